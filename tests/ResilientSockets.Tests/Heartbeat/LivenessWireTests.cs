using System.Diagnostics;
using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ResilientSockets.Tests.Heartbeat;

/// <summary>Dead links on real sockets: a black-holing TCP proxy, a peer that stops reading, a foreign ping protocol.</summary>
public sealed class LivenessWireTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(1500);

    [Fact]
    public async Task A_black_holed_link_is_detected_within_interval_plus_timeout_and_the_client_reconnects()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        HeartbeatRoutes.MapAll(server);
        await using var proxy = TcpFaultProxy.Start(server.Port);
        var interval = TimeSpan.FromMilliseconds(300);
        var timeout = TimeSpan.FromMilliseconds(500);
        await using var client = Sut.Create(proxy.Wrap(server.GetUri("/json-pong")), o =>
        {
            o.Heartbeat.Enabled = true;
            o.Heartbeat.Interval = interval;
            o.Heartbeat.Timeout = timeout;
            o.Heartbeat.KeepAliveTimeout = Timeout.InfiniteTimeSpan; // only the app heartbeat may notice
        });
        var states = new StateRecorder(client);
        await client.StartAsync();
        await server.WaitUntilAsync(s => s.ReceivedCount >= 1, TestTimeouts.Signal); // at least one ping/pong went through

        var clock = Stopwatch.StartNew();
        proxy.BlackHoleExistingLinks();
        var lost = await states.WaitForAsync(ConnectionState.Reconnecting);
        var detected = clock.Elapsed;
        await states.WaitForAsync(ConnectionState.Open, 2);

        output.WriteLine($"black-hole detected after {detected.TotalMilliseconds:0} ms (bound: interval {interval.TotalMilliseconds} + timeout {timeout.TotalMilliseconds} ms)");
        lost.Cause.Should().BeOfType<ConnectionTimeoutException>().Which.Kind.Should().Be(ConnectionTimeoutKind.Heartbeat);
        detected.Should().BeLessThan(interval + timeout + Margin);
        proxy.AcceptedCount.Should().BeGreaterThanOrEqualTo(2, "the client reconnected through a fresh, healthy link");
        await client.SendTextAsync("after");
        await server.WaitUntilAsync(s => s.Connections.Count == 2 && s.Connections[1].Received.Any(m => m.Text == "after"), TestTimeouts.Signal);
    }

    [Fact]
    public async Task A_write_stuck_on_a_peer_that_stopped_reading_is_detected_within_SendTimeout_and_resent()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var connections = 0;
        server.Map("/stall-once", new ServerRoute
        {
            OnConnected = c => Interlocked.Increment(ref connections) == 1 ? release.Task : Task.CompletedTask,
        });
        var sendTimeout = TimeSpan.FromMilliseconds(1000);
        await using var client = Sut.Create(server.GetUri("/stall-once"), o => o.Heartbeat.SendTimeout = sendTimeout);
        var states = new StateRecorder(client);
        await client.StartAsync();
        var payloads = Enumerable.Range(0, 8).Select(i =>
        {
            var payload = new byte[4 * 1024 * 1024];
            Random.Shared.NextBytes(payload);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(payload, i);
            return payload;
        }).ToArray();
        static int IndexOf(ReceivedMessage m) => System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(m.Data.Span);

        var clock = Stopwatch.StartNew();
        var sends = payloads.Select(p => client.SendBinaryAsync(p).AsTask()).ToList();
        var lost = await states.WaitForAsync(ConnectionState.Reconnecting);
        var detected = clock.Elapsed;
        var writtenOnFirstLink = sends.Count(t => t.IsCompletedSuccessfully);
        release.TrySetResult();

        output.WriteLine($"stuck send detected {detected.TotalMilliseconds:0} ms after the first send (bound: SendTimeout {sendTimeout.TotalMilliseconds} ms + time to fill the socket buffers)");
        lost.Cause.Should().BeOfType<ConnectionTimeoutException>().Which.Kind.Should().Be(ConnectionTimeoutKind.Send);
        detected.Should().BeGreaterThanOrEqualTo(sendTimeout).And.BeLessThan(sendTimeout + Margin);
        await Task.WhenAll(sends).WaitAsync(TestTimeouts.Signal);
        await server.WaitUntilAsync(s => s.Connections.Count >= 2 && s.Connections.Skip(1).Any(c => c.Received.Any(m => IndexOf(m) == 7)), TestTimeouts.Signal);
        await server.Connections[0].Completion.WaitAsync(TestTimeouts.Signal);

        // The stuck message and everything after it go out, whole, on a later link. Messages whose write had completed
        // before the stall were in the kernel's buffers: those the server had already buffered arrive once it reads
        // again; those still in the client's send buffer die with the aborted socket ("written is not received").
        var received = server.ReceivedMessages;
        var indices = received.Select(IndexOf).ToList();
        received.Select(m => m.Data.ToArray().AsSpan().SequenceEqual(payloads[IndexOf(m)])).Should().AllBeEquivalentTo(true, "every message arrives whole");
        indices.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems("FIFO, and the resent stuck message is not a duplicate");
        server.Connections[0].Received.Count.Should().BeLessThan(8, "the stuck message never completed on the first link");
        var firstResent = server.Connections.Skip(1).SelectMany(c => c.Received).Select(IndexOf).First();
        indices.Should().ContainInOrder(Enumerable.Range(firstResent, 8 - firstResent), "the stuck message and all after it arrive");
        (8 - indices.Count).Should().BeLessThanOrEqualTo(writtenOnFirstLink, "only messages already written can be lost");
        output.WriteLine($"first link delivered {server.Connections[0].Received.Count} of {writtenOnFirstLink} written before the stall; later links delivered {8 - firstResent} from message {firstResent}");
    }

    [Fact]
    public async Task A_custom_ping_and_pong_matcher_work_with_a_plain_text_protocol()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        HeartbeatRoutes.MapAll(server);
        await using var client = Sut.Create(server.GetUri("/plain"), o =>
        {
            o.Heartbeat.Enabled = true;
            o.Heartbeat.Interval = TimeSpan.FromMilliseconds(50);
            o.Heartbeat.Timeout = TimeSpan.FromSeconds(5);
            o.Heartbeat.PingMessage = _ => WebSocketMessage.FromText("ping");
            o.Heartbeat.IsPong = m => m.IsText && m.Text == "pong";
        });
        var delivered = new List<string>();
        client.MessageReceived += (m, _) => { lock (delivered) { delivered.Add(m.Text); } return ValueTask.CompletedTask; };
        await client.StartAsync();

        await server.WaitUntilAsync(s => s.ReceivedMessages.Count(m => m.Text == "ping") >= 5, TestTimeouts.Signal);
        await client.SendTextAsync("data");
        await server.WaitUntilAsync(s => s.ReceivedMessages.Any(m => m.Text == "data"), TestTimeouts.Signal);
        var echoed = DateTime.UtcNow + TestTimeouts.Signal;
        while (!delivered.Contains("data") && DateTime.UtcNow < echoed)
        {
            await Task.Delay(10);
        }

        client.LastRoundTripTime.Should().NotBeNull().And.BeLessThan(TimeSpan.FromSeconds(5));
        output.WriteLine($"last heartbeat round trip: {client.LastRoundTripTime!.Value.TotalMilliseconds:0.000} ms");
        delivered.Should().Equal("data");
        server.Connections.Should().HaveCount(1, "every ping was answered, so the link was never declared dead");
    }
}
