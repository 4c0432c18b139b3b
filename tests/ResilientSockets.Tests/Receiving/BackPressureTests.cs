using System.Diagnostics;
using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Heartbeat;
using ResilientSockets.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ResilientSockets.Tests.Receiving;

/// <summary>
/// A reader slower than the link must never get a healthy link declared dead, and a dead link must still be found.
/// Real sockets and real heartbeat timers: the reader's 10–30 ms per message is the application's workload.
/// </summary>
[Collection(ProcessWideCollection.Name)]
public sealed class BackPressureTests(ITestOutputHelper output)
{
    private static async Task<int> ReadSlowlyAsync(WebSocketMessageReader reader, int count, TimeSpan perMessage, Action<int>? onMessage = null)
    {
        var seen = 0;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await foreach (var message in reader.ReadAllAsync(cts.Token))
        {
            message.Text.Should().Be(seen.ToString(System.Globalization.CultureInfo.InvariantCulture), "messages arrive in order, none lost");
            seen++;
            onMessage?.Invoke(seen);
            if (seen == count)
            {
                break;
            }

            await Task.Delay(perMessage, cts.Token);
        }

        return seen;
    }

    [Theory]
    [InlineData("app-heartbeat")]
    [InlineData("protocol-keep-alive")]
    public async Task A_slow_reader_gets_all_600_echoes_and_the_healthy_link_is_never_declared_dead(string liveness)
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        HeartbeatRoutes.MapAll(server);
        await using var client = Sut.Create(server.GetUri("/json-pong"), o =>
        {
            o.Receiving.ReaderCapacity = 100;
            if (liveness == "app-heartbeat")
            {
                o.Heartbeat.Enabled = true;
                o.Heartbeat.Interval = TimeSpan.FromSeconds(1);
                o.Heartbeat.Timeout = TimeSpan.FromSeconds(1);
                o.Heartbeat.KeepAliveTimeout = Timeout.InfiniteTimeSpan;
            }
            else
            {
                o.Heartbeat.KeepAliveInterval = TimeSpan.FromMilliseconds(500);
                o.Heartbeat.KeepAliveTimeout = TimeSpan.FromSeconds(1);
            }
        });
        var states = new StateRecorder(client);
        await client.StartAsync();
        using var reader = client.CreateReader(new ReaderOptions { Name = "slow" });

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 600; i++)
        {
            await client.SendTextAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var received = await ReadSlowlyAsync(reader, 600, TimeSpan.FromMilliseconds(10));

        output.WriteLine($"{liveness}: {received} of 600 echoes in {clock.Elapsed.TotalSeconds:0.0} s; states: {string.Join(", ", states.States)}");
        received.Should().Be(600);
        states.States.Should().Equal([ConnectionState.Connecting, ConnectionState.Open], "no reconnect: the link was healthy throughout");
        clock.Elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(3), "the reader really was slower than the liveness timeout");
    }

    [Fact]
    public async Task A_black_holed_link_is_still_found_within_interval_plus_timeout_of_the_slow_reader_catching_up()
    {
        const int total = 60;
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.Map("/burst", new ServerRoute
        {
            OnMessage = async (c, m) =>
            {
                if (m.Text == "go")
                {
                    for (var i = 0; i < total; i++)
                    {
                        await c.SendTextAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    }
                }
                else if (m.Text == "{\"type\":\"ping\"}")
                {
                    await c.SendTextAsync("{\"type\":\"pong\"}");
                }
            },
        });
        await using var proxy = TcpFaultProxy.Start(server.Port);
        var interval = TimeSpan.FromMilliseconds(300);
        var timeout = TimeSpan.FromMilliseconds(500);
        await using var client = Sut.Create(proxy.Wrap(server.GetUri("/burst")), o =>
        {
            o.Heartbeat.Enabled = true;
            o.Heartbeat.Interval = interval;
            o.Heartbeat.Timeout = timeout;
            o.Heartbeat.KeepAliveTimeout = Timeout.InfiniteTimeSpan;
            o.Receiving.MaxBufferedBytes = 0; // stop reading the socket as soon as the reader is full
        });
        var states = new StateRecorder(client);
        await client.StartAsync();
        using var reader = client.CreateReader(new ReaderOptions { Capacity = 5 });
        var clock = Stopwatch.StartNew();
        var caughtUp = TimeSpan.Zero;

        await client.SendTextAsync("go");
        var received = await ReadSlowlyAsync(reader, total, TimeSpan.FromMilliseconds(30), seen =>
        {
            if (seen == 20)
            {
                proxy.BlackHoleExistingLinks(); // the rest of the burst is already in the client's socket buffer
            }

            if (seen == total)
            {
                caughtUp = clock.Elapsed;
            }
        });
        var lost = await states.WaitForAsync(ConnectionState.Reconnecting);
        var detected = clock.Elapsed;

        output.WriteLine($"caught up at {caughtUp.TotalMilliseconds:0} ms, link declared dead at {detected.TotalMilliseconds:0} ms ({(detected - caughtUp).TotalMilliseconds:0} ms later; bound {(interval + timeout).TotalMilliseconds} ms)");
        received.Should().Be(total, "the paused reader loses nothing");
        caughtUp.Should().BeGreaterThan(interval + timeout + interval, "the reader was slow for longer than a heartbeat round");
        lost.Cause.Should().BeOfType<ConnectionTimeoutException>().Which.Kind.Should().Be(ConnectionTimeoutKind.Heartbeat);
        detected.Should().BeGreaterThan(caughtUp, "a link is never declared dead while the application holds the loop");
        (detected - caughtUp).Should().BeLessThan(interval + timeout + TimeSpan.FromMilliseconds(1500));
    }
}
