using FluentAssertions;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Sessions;

/// <summary>Pausing (the app goes to the background) closes the link but keeps the session for the resume.</summary>
public sealed class SessionPauseTests
{
    [Fact]
    public async Task Pause_and_resume_keep_the_session_and_deliver_what_was_sent_while_paused_once()
    {
        await using var host = await AspNetSessionHost.StartAsync();
        await using var client = Sut.Create(host.Uri, o => o.Session = new ReliableSessionOptions());
        var lost = 0;
        client.SessionLost += (_, _) => Interlocked.Increment(ref lost);
        await client.StartAsync();
        await client.SendTextAsync("before", new SendOptions { WaitForAcknowledgement = true }).AsTask().WaitAsync(TestTimeouts.Signal);
        var session = await host.SingleSessionAsync();

        await client.PauseAsync().WaitAsync(TestTimeouts.Signal);
        await Eventually.TrueAsync(() => session.State == ResilientSockets.Server.ResilientSessionState.Detached, "the server keeps the session, detached");
        var whilePaused = client.SendTextAsync("while paused").AsTask();
        client.Resume().Should().BeTrue();
        await whilePaused.WaitAsync(TestTimeouts.Signal);
        await client.FlushAsync().WaitAsync(TestTimeouts.Signal);

        lost.Should().Be(0);
        host.Sessions.Should().HaveCount(1, "the same session went on");
        session.MessagesReceived.Should().Be(2);
        session.Resumes.Should().Be(1);
    }
}
