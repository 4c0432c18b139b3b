using System.Net.WebSockets;
using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Lifecycle;

/// <summary>The app goes to the background and comes back: a clean close, no attempts while paused, queue and readers kept.</summary>
public sealed class PauseResumeTests
{
    [Fact]
    public async Task Pause_closes_with_a_close_handshake_and_Resume_reconnects_without_a_backoff_wait()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var sut = LifecycleSut.Create(server.GetUri("/sink"));
        await sut.Client.StartAsync().WaitAsync(TestTimeouts.Signal);
        using var reader = sut.Client.CreateReader();

        await sut.Client.PauseAsync().WaitAsync(TestTimeouts.Signal);

        sut.Client.State.Should().Be(ConnectionState.Paused);
        var first = server.Connections.Single();
        await first.Completion.WaitAsync(TestTimeouts.Signal);
        first.ClientCloseStatus.Should().Be(WebSocketCloseStatus.EndpointUnavailable, "pausing runs the close handshake, with 1001 (going away), which keeps a session resumable");

        var queued = sut.Client.SendTextAsync("sent while paused").AsTask();
        sut.Time.Advance(TimeSpan.FromHours(1));
        server.HandshakeCount.Should().Be(1, "no attempt is made while paused");
        queued.IsCompleted.Should().BeFalse("the message waits in the queue");

        sut.Client.Resume().Should().BeTrue();
        await queued.WaitAsync(TestTimeouts.Signal);
        await server.WaitUntilAsync(s => s.ReceivedMessages.Any(m => m.Text == "sent while paused"), TestTimeouts.Signal);
        server.ReceivedMessages.Single(m => m.Text == "sent while paused").ConnectionId.Should().Be(2);

        // The reader created before the pause still receives.
        await server.Connections.Last().SendTextAsync("after resume");
        (await reader.WaitToReadAsync().AsTask().WaitAsync(TestTimeouts.Signal)).Should().BeTrue();
        reader.TryRead(out var message).Should().BeTrue();
        message.Text.Should().Be("after resume");
        await sut.States.WaitForAsync(ConnectionState.Open, occurrence: 2);
        sut.States.States.Should().Equal(
            ConnectionState.Connecting, ConnectionState.Open, ConnectionState.Paused,
            ConnectionState.Reconnecting, ConnectionState.Connecting, ConnectionState.Open);
    }

    [Fact]
    public async Task Pause_during_a_backoff_wait_makes_no_attempt_until_resumed()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.RejectNextHandshakes(1, 503);
        await using var sut = LifecycleSut.Create(server.GetUri());

        var start = sut.Client.StartAsync();
        await sut.NextBackoffAsync();
        await sut.Client.PauseAsync().WaitAsync(TestTimeouts.Signal);
        sut.Time.Advance(TimeSpan.FromHours(1));

        server.HandshakeCount.Should().Be(1);
        start.IsCompleted.Should().BeFalse();

        sut.Client.Resume();
        await start.WaitAsync(TestTimeouts.Signal);
        server.HandshakeCount.Should().Be(2);
        await sut.States.WaitForAsync(ConnectionState.Open);
        sut.States.States.Should().Equal(
            ConnectionState.Connecting, ConnectionState.Reconnecting, ConnectionState.Paused,
            ConnectionState.Reconnecting, ConnectionState.Connecting, ConnectionState.Open);
    }

    [Fact]
    public async Task Pause_abandons_an_attempt_in_flight_without_counting_it()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.HandshakeDelay = TimeSpan.FromMinutes(5);
        await using var sut = LifecycleSut.Create(server.GetUri(), o => o.Reconnect.MaxAttempts = 1);

        var start = sut.Client.StartAsync();
        await Eventually.TrueAsync(() => server.HandshakeCount == 1, "the handshake reached the server");
        await sut.Client.PauseAsync().WaitAsync(TestTimeouts.Signal);
        server.HandshakeDelay = TimeSpan.Zero;

        // With MaxAttempts = 1 a counted failure would have faulted the client.
        sut.Client.Resume();
        await start.WaitAsync(TestTimeouts.Signal);
        await sut.States.WaitForAsync(ConnectionState.Open);
        sut.States.States.Should().Equal(
            ConnectionState.Connecting, ConnectionState.Paused,
            ConnectionState.Reconnecting, ConnectionState.Connecting, ConnectionState.Open);
    }

    [Fact]
    public async Task Stop_while_paused_closes_the_client_and_fails_what_is_queued()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var sut = LifecycleSut.Create(server.GetUri());
        await sut.Client.StartAsync().WaitAsync(TestTimeouts.Signal);
        await sut.Client.PauseAsync().WaitAsync(TestTimeouts.Signal);
        var queued = sut.Client.SendTextAsync("never").AsTask();

        await sut.Client.StopAsync().WaitAsync(TestTimeouts.Signal);

        (await queued.Invoking(t => t.WaitAsync(TestTimeouts.Signal)).Should().ThrowAsync<MessageNotSentException>()).Which.Reason.Should().Be(MessageDropReason.Stopped);
        await sut.States.WaitForAsync(ConnectionState.Closed);
        sut.States.States.Should().EndWith([ConnectionState.Paused, ConnectionState.Closing, ConnectionState.Closed]);
        sut.Client.Resume().Should().BeFalse();
    }

    [Fact]
    public async Task Pause_and_Resume_are_idempotent_and_Pause_before_start_is_refused()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var sut = LifecycleSut.Create(server.GetUri());

        await sut.Client.Invoking(c => c.PauseAsync()).Should().ThrowAsync<InvalidOperationException>().WithMessage("*StartAsync*");
        sut.Client.Resume().Should().BeFalse();

        await sut.Client.StartAsync().WaitAsync(TestTimeouts.Signal);
        await sut.Client.PauseAsync().WaitAsync(TestTimeouts.Signal);
        await sut.Client.PauseAsync().WaitAsync(TestTimeouts.Signal);
        sut.Client.ReconnectNow().Should().BeFalse("while paused only Resume reconnects");
        sut.Client.Resume().Should().BeTrue();
        sut.Client.Resume().Should().BeFalse();
        await sut.States.WaitForAsync(ConnectionState.Open, occurrence: 2);
        sut.States.States.Count(s => s == ConnectionState.Paused).Should().Be(1);
    }
}
