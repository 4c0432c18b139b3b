using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Heartbeat;

/// <summary>Heartbeat timing on a fake clock against a real loopback server. Interval 7 s and timeout 3 s are chosen to be distinguishable from every other timer.</summary>
public sealed class HeartbeatFakeTimeTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(7);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    private static (ResilientWebSocket Client, ObservableTimeProvider Time, StateRecorder States) CreateSut(Uri uri, Action<HeartbeatOptions>? configure = null)
    {
        var time = new ObservableTimeProvider();
        var options = new ResilientWebSocketOptions
        {
            Uri = uri,
            TimeProvider = time,
            Reconnect = { Delay = TimeSpan.FromHours(1), MaxDelay = TimeSpan.FromHours(2), ConnectTimeout = TimeSpan.FromHours(3) },
            Heartbeat = { Enabled = true, Interval = Interval, Timeout = Timeout, SendTimeout = null },
        };
        configure?.Invoke(options.Heartbeat);
        var client = new ResilientWebSocket(options);
        return (client, time, new StateRecorder(client));
    }

    [Fact]
    public async Task A_ping_goes_out_every_interval_and_pongs_are_consumed()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        HeartbeatRoutes.MapAll(server);
        var (client, time, _) = CreateSut(server.GetUri("/json-pong"));
        await using var _ = client;
        var delivered = 0;
        client.MessageReceived += (_, _) => { Interlocked.Increment(ref delivered); return ValueTask.CompletedTask; };
        await client.StartAsync();

        for (var ping = 1; ping <= 3; ping++)
        {
            await time.NextTimerAsync(d => d == Interval);
            server.ReceivedCount.Should().Be(ping - 1, "no ping before the interval has passed");
            time.Advance(Interval);
            await server.WaitUntilAsync(s => s.ReceivedCount == ping, TestTimeouts.Signal);
        }

        await time.NextTimerAsync(d => d == Interval);
        server.ReceivedMessages.Should().HaveCount(3).And.OnlyContain(m => m.Text == "{\"type\":\"ping\"}");
        delivered.Should().Be(0, "pongs belong to the heartbeat");
        client.LastRoundTripTime.Should().Be(TimeSpan.Zero, "the fake clock did not move between ping and pong");
        client.State.Should().Be(ConnectionState.Open);
    }

    [Fact]
    public async Task A_missing_pong_is_detected_exactly_at_interval_plus_timeout()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var (client, time, states) = CreateSut(server.GetUri("/sink"));
        await using var _ = client;
        await client.StartAsync();
        var openedAt = time.GetUtcNow();

        await time.NextTimerAsync(d => d == Interval);
        time.Advance(Interval);
        await time.NextTimerAsync(d => d == Timeout);
        await server.WaitUntilAsync(s => s.ReceivedCount == 1, TestTimeouts.Signal);
        time.Advance(Timeout - TimeSpan.FromTicks(1));
        client.State.Should().Be(ConnectionState.Open, "one tick before the deadline nothing has fired");
        time.Advance(TimeSpan.FromTicks(1));

        var lost = await states.WaitForAsync(ConnectionState.Reconnecting);
        var error = lost.Cause.Should().BeOfType<ConnectionTimeoutException>().Which;
        error.Kind.Should().Be(ConnectionTimeoutKind.Heartbeat);
        error.Limit.Should().Be(Timeout);
        (time.GetUtcNow() - openedAt).Should().Be(Interval + Timeout);
        server.ReceivedMessages.Should().ContainSingle().Which.Text.Should().Be("{\"type\":\"ping\"}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Any_message_proves_liveness_only_when_the_option_says_so(bool anyMessageIsAlive)
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        HeartbeatRoutes.MapAll(server);
        var (client, time, states) = CreateSut(server.GetUri("/chatty"), h => h.AnyMessageIsAlive = anyMessageIsAlive);
        await using var _ = client;
        var hello = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.MessageReceived += (m, _) => { hello.TrySetResult(); return ValueTask.CompletedTask; };
        await client.StartAsync();

        await time.NextTimerAsync(d => d == Interval);
        time.Advance(Interval);
        await hello.Task.WaitAsync(TestTimeouts.Signal);

        if (anyMessageIsAlive)
        {
            await time.NextTimerAsync(d => d == Interval);
            time.Advance(Timeout);
            client.State.Should().Be(ConnectionState.Open);
            states.States.Should().NotContain(ConnectionState.Reconnecting);
        }
        else
        {
            await time.NextTimerAsync(d => d == Timeout);
            time.Advance(Timeout);
            (await states.WaitForAsync(ConnectionState.Reconnecting)).Cause.Should().BeOfType<ConnectionTimeoutException>();
        }
    }

    [Fact]
    public async Task No_ping_is_sent_while_the_client_is_not_open()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        HeartbeatRoutes.MapAll(server);
        var pings = 0;
        var (client, time, states) = CreateSut(server.GetUri("/json-pong"), h => h.PingMessage = _ =>
        {
            Interlocked.Increment(ref pings);
            return WebSocketMessage.FromText("{\"type\":\"ping\"}");
        });
        await using var _ = client;
        await client.StartAsync();
        await time.NextTimerAsync(d => d == Interval);

        await server.StopAsync();
        await states.WaitForAsync(ConnectionState.Reconnecting);
        for (var i = 0; i < 5; i++)
        {
            time.Advance(Interval);
        }

        pings.Should().Be(0);
        client.State.Should().Be(ConnectionState.Reconnecting);
    }

    [Fact]
    public async Task Silence_longer_than_ReceiveTimeout_is_a_dead_link()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var (client, time, states) = CreateSut(server.GetUri("/sink"), h =>
        {
            h.Enabled = false;
            h.ReceiveTimeout = TimeSpan.FromSeconds(20);
        });
        await using var _ = client;
        await client.StartAsync();

        await time.NextTimerAsync(d => d == TimeSpan.FromSeconds(20));
        time.Advance(TimeSpan.FromSeconds(20));

        var lost = await states.WaitForAsync(ConnectionState.Reconnecting);
        lost.Cause.Should().BeOfType<ConnectionTimeoutException>().Which.Kind.Should().Be(ConnectionTimeoutKind.Receive);
    }

    [Fact]
    public async Task Dispose_leaves_no_heartbeat_timer_behind()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        HeartbeatRoutes.MapAll(server);
        var (client, time, _) = CreateSut(server.GetUri("/json-pong"), h => h.ReceiveTimeout = TimeSpan.FromMinutes(5));
        await client.StartAsync();
        await time.NextTimerAsync(d => d == Interval);
        time.ActiveTimers.Should().BeGreaterThan(0);

        await client.DisposeAsync();

        time.ActiveTimers.Should().Be(0);
        client.HasRunningWork.Should().BeFalse();
    }
}
