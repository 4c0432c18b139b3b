using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Heartbeat;

/// <summary>The liveness clock stops while the application holds the receive loop, on a fake clock against a real server.</summary>
public sealed class HeartbeatPauseTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(7);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task Time_spent_in_a_slow_handler_does_not_count_towards_the_pong_timeout_and_a_dead_link_is_found_after()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        // Answers a ping with data, never with a pong: the client's handler then holds the receive loop.
        server.Map("/data-no-pong", new ServerRoute { OnMessage = (c, m) => c.SendTextAsync("data") });
        var time = new ObservableTimeProvider();
        await using var client = new ResilientWebSocket(new ResilientWebSocketOptions
        {
            Uri = server.GetUri("/data-no-pong"),
            TimeProvider = time,
            Reconnect = { Delay = TimeSpan.FromHours(1), MaxDelay = TimeSpan.FromHours(2), ConnectTimeout = TimeSpan.FromHours(3) },
            Heartbeat = { Enabled = true, Interval = Interval, Timeout = Timeout, SendTimeout = null },
        });
        var states = new StateRecorder(client);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handling = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.MessageReceived += async (_, _) =>
        {
            handling.TrySetResult();
            await release.Task;
        };
        await client.StartAsync();
        try
        {
            await RunAsync();
        }
        finally
        {
            release.TrySetResult(); // a failed assertion must not leave the receive loop (and the dispose) waiting
        }

        async Task RunAsync()
        {
            await time.NextTimerAsync(d => d == Interval);
            time.Advance(Interval);
            await handling.Task.WaitAsync(TestTimeouts.Signal); // the ping went out, the server's data is in the slow handler
            await time.NextTimerAsync(d => d == Timeout);

            // The handler has started; the loop pauses the clock a moment later, when the handler's task turns out pending.
            await Eventually.TrueAsync(() => client.IsReceivePaused, "the receive loop paused the liveness clock");
            time.Advance(Timeout * 5);
            await time.NextTimerAsync(d => d == Timeout); // the clock re-armed itself instead of declaring the link dead
            client.State.Should().Be(ConnectionState.Open, "the application, not the link, was slow");

            release.TrySetResult();
            await Eventually.TrueAsync(() => !client.IsReceivePaused, "the receive loop reads again");
            time.Advance(Timeout - TimeSpan.FromTicks(1));
            client.State.Should().Be(ConnectionState.Open, "the timeout counts only time spent reading");
            time.Advance(TimeSpan.FromTicks(1));

            var lost = await states.WaitForAsync(ConnectionState.Reconnecting);
            lost.Cause.Should().BeOfType<ConnectionTimeoutException>().Which.Kind.Should().Be(ConnectionTimeoutKind.Heartbeat);
        }
    }
}
