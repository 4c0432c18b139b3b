using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using ResilientSockets.Tests.Interop;
using Xunit;
using Xunit.Abstractions;

namespace ResilientSockets.Tests.Sessions;

/// <summary>The client's sessions against the ResilientSockets.Server package: cuts, the resume window, a server restart.</summary>
[Collection(ProcessWideCollection.Name)]
public sealed class AspNetSessionEndToEndTests(ITestOutputHelper output)
{
    private static ResilientWebSocket CreateClient(Uri uri) => Sut.Create(uri, o =>
    {
        o.Session = new ReliableSessionOptions();
        o.Reconnect.Delay = TimeSpan.FromMilliseconds(5);
        o.Reconnect.MaxDelay = TimeSpan.FromMilliseconds(50);
    });

    [Fact]
    public async Task Twenty_thousand_messages_each_way_through_random_cuts_arrive_exactly_once_in_order_on_both_sides()
    {
        const int Messages = 20_000;
        await using var host = await AspNetSessionHost.StartAsync(count: Messages);
        await using var proxy = TcpFaultProxy.Start(host.Port);
        await using var client = CreateClient(proxy.Wrap(host.Uri));
        var lost = 0;
        client.SessionLost += (_, _) => Interlocked.Increment(ref lost);
        using var reader = client.CreateReader(new ReaderOptions { Capacity = 100_000 });
        await client.StartAsync();

        var result = await NodeSessionInteropTests.KillerAsync(client, reader, proxy, Messages);

        var session = await host.SingleSessionAsync();
        output.WriteLine($"ASP.NET Core server: {result.Summary}; server received {session.MessagesReceived}, resumes {session.Resumes}, replayed {session.MessagesReplayed}");
        result.Texts.Should().Equal(Enumerable.Range(0, Messages), "the server's 20,000 messages arrive exactly once, in order");
        result.Echoes.Should().Equal(Enumerable.Range(0, Messages), "the client's 20,000 messages reached the server's application exactly once, in order");
        session.MessagesReceived.Should().Be(Messages);
        result.Cuts.Should().BeGreaterThan(3);
        lost.Should().Be(0);
        host.Sessions.Should().HaveCount(1, "the application ran once for the whole conversation");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_session_resumes_just_inside_the_resume_window_and_is_lost_with_its_counts_just_outside(bool pastTheWindow)
    {
        var window = TimeSpan.FromMinutes(2);
        var serverTime = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var host = await AspNetSessionHost.StartAsync(configure: o =>
        {
            o.ResumeWindow = window;
            o.TimeProvider = serverTime;
            o.AckEvery = 1; // the fake clock never fires the server's AckDelay timer
        });
        await using var proxy = TcpFaultProxy.Start(host.Port);
        await using var client = CreateClient(proxy.Wrap(host.Uri));
        var lostEvent = new TaskCompletionSource<SessionLostEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.SessionLost += (_, e) => lostEvent.TrySetResult(e);
        var states = new StateRecorder(client);
        using var reader = client.CreateReader();
        await client.StartAsync();
        await client.SendTextAsync("acknowledged", new SendOptions { WaitForAcknowledgement = true }).AsTask().WaitAsync(TestTimeouts.Signal);
        var session = await host.SingleSessionAsync();

        proxy.BlackHoleExistingLinks();
        await client.SendTextAsync("in flight"); // written, never acknowledged
        proxy.RefuseNewConnections();
        proxy.CutAll();
        await states.WaitForAsync(ConnectionState.Reconnecting);
        await states.WaitForAsync(ConnectionState.Reconnecting, 3); // several failed attempts while the server waits
        await Eventually.TrueAsync(() => session.State == ResilientSockets.Server.ResilientSessionState.Detached, "the server detached the session");
        serverTime.Advance(pastTheWindow ? window + TimeSpan.FromMilliseconds(1) : window - TimeSpan.FromMilliseconds(1));
        proxy.AcceptNewConnections();
        await states.WaitForAsync(ConnectionState.Open, 2);

        if (pastTheWindow)
        {
            var lost = await lostEvent.Task.WaitAsync(TestTimeouts.Signal);
            lost.UnacknowledgedMessages.Should().Be(1, "'in flight' was never acknowledged");
            session.EndReason.Should().Be(ResilientSockets.Server.ResilientSessionEndReason.Expired);
            await Eventually.TrueAsync(() => host.Sessions.Count == 2, "a fresh session started");
        }
        else
        {
            await client.FlushAsync().WaitAsync(TestTimeouts.Signal);
            session.MessagesReceived.Should().Be(2, "the replayed message reached the same session exactly once");
            session.Resumes.Should().BeGreaterThanOrEqualTo(1);
            lostEvent.Task.IsCompleted.Should().BeFalse();
            host.Sessions.Should().HaveCount(1);
        }
    }

    [Fact]
    public async Task A_server_restart_is_reported_as_session_lost_and_the_new_session_works()
    {
        var host = await AspNetSessionHost.StartAsync();
        var port = host.Port;
        await using var client = CreateClient(host.Uri);
        var lostEvent = new TaskCompletionSource<SessionLostEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.SessionLost += (_, e) => lostEvent.TrySetResult(e);
        using var reader = client.CreateReader();
        await client.StartAsync();
        await client.SendTextAsync("before", new SendOptions { WaitForAcknowledgement = true }).AsTask().WaitAsync(TestTimeouts.Signal);
        var first = client.SessionId;

        await host.DisposeAsync().AsTask().WaitAsync(TestTimeouts.Signal);
        await using var restarted = await AspNetSessionHost.StartAsync(port: port);

        var lost = await lostEvent.Task.WaitAsync(TestTimeouts.Signal);
        lost.LostSessionId.Should().Be(first);
        await client.SendTextAsync("after", new SendOptions { WaitForAcknowledgement = true }).AsTask().WaitAsync(TestTimeouts.Signal);
        (await restarted.SingleSessionAsync()).MessagesReceived.Should().Be(1);
    }
}
