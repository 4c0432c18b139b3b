using System.Net.WebSockets;
using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Connection;

public sealed class ReconnectWireTests
{
    [Fact]
    public async Task Server_abort_moves_Open_to_Reconnecting_and_back_to_Open()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/echo"));
        var states = new StateRecorder(client);
        await client.StartAsync();
        await server.WaitForConnectionAsync(1, TestTimeouts.Signal);

        server.AbortAll();

        await states.WaitForAsync(ConnectionState.Open, occurrence: 2);
        await server.WaitForConnectionAsync(2, TestTimeouts.Signal);
        states.States.Should().StartWith([ConnectionState.Connecting, ConnectionState.Open, ConnectionState.Reconnecting, ConnectionState.Connecting, ConnectionState.Open]);
        states.Events[2].Cause.Should().NotBeNull("a dropped link has a cause");
        client.State.Should().Be(ConnectionState.Open);
    }

    [Fact]
    public async Task Messages_sent_during_an_outage_arrive_after_reconnect_in_order_and_complete()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/sink"), o => o.Reconnect.Delay = TimeSpan.FromMilliseconds(200));
        var states = new StateRecorder(client);
        await client.StartAsync();
        await client.SendTextAsync("before");
        await server.WaitUntilAsync(s => s.ReceivedCount == 1, TestTimeouts.Signal);

        await server.StopAsync();
        await states.WaitForAsync(ConnectionState.Reconnecting);
        var during = Enumerable.Range(0, 200).Select(i => client.SendTextAsync($"during-{i}").AsTask()).ToList();
        client.QueuedMessageCount.Should().BeGreaterThan(0);
        during.Should().OnlyContain(t => !t.IsCompleted, "nothing can be written while the server is down");

        await server.RestartAsync();
        await Task.WhenAll(during).WaitAsync(TestTimeouts.Signal);

        await server.WaitUntilAsync(s => s.ReceivedCount == 201, TestTimeouts.Signal);
        server.ReceivedMessages.Select(m => m.Text).Should().Equal(new[] { "before" }.Concat(Enumerable.Range(0, 200).Select(i => $"during-{i}")));
        server.Connections.Last().Received.Should().HaveCount(200, "everything queued goes out on the new connection");
    }

    [Fact]
    public async Task Eight_concurrent_senders_of_ten_thousand_messages_each_arrive_whole_and_in_per_sender_order()
    {
        const int Senders = 8;
        const int PerSender = 10_000;
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/sink"));
        await client.StartAsync();

        var tasks = Enumerable.Range(0, Senders).Select(sender => Task.Run(async () =>
        {
            for (var i = 0; i < PerSender; i++)
            {
                await client.SendTextAsync($"{sender}:{i}:{new string((char)('a' + sender), 32)}");
            }
        }));
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60));

        await server.WaitUntilAsync(s => s.ReceivedCount == Senders * PerSender, TimeSpan.FromSeconds(30));
        var bySender = server.ReceivedMessages.Select(m => m.Text.Split(':')).GroupBy(p => int.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture)).ToDictionary(g => g.Key, g => g.ToList());
        bySender.Should().HaveCount(Senders);
        foreach (var (sender, parts) in bySender)
        {
            parts.Select(p => int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture)).Should().Equal(Enumerable.Range(0, PerSender));
            parts.Should().OnlyContain(p => p[2] == new string((char)('a' + sender), 32), "no message is torn or interleaved");
        }
    }

    [Fact]
    public async Task An_oversized_message_closes_with_1009_and_the_client_reconnects()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var sentBig = 0;
        server.Map("/big", new ServerRoute
        {
            OnConnected = c => Interlocked.Exchange(ref sentBig, 1) == 0
                ? c.SendAsync(new byte[10_000], WebSocketMessageType.Binary)
                : Task.CompletedTask,
        });
        await using var client = Sut.Create(server.GetUri("/big"), o => o.Receiving.MaxMessageSize = 4096);
        var states = new StateRecorder(client);

        await client.StartAsync();

        var lost = await states.WaitForAsync(ConnectionState.Reconnecting);
        lost.Cause.Should().BeOfType<MessageTooLargeException>().Which.Limit.Should().Be(4096);
        await server.WaitUntilAsync(s => s.Connections.FirstOrDefault()?.ClientCloseStatus is not null, TestTimeouts.Signal);
        server.Connections[0].ClientCloseStatus.Should().Be(WebSocketCloseStatus.MessageTooBig);
        await states.WaitForAsync(ConnectionState.Open, occurrence: 2);
    }

    [Fact]
    public async Task Stop_performs_the_close_handshake_and_fails_nothing_that_was_already_written()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var client = Sut.Create(server.GetUri("/echo"));
        var states = new StateRecorder(client);
        await client.StartAsync();
        await client.SendTextAsync("one");

        await client.StopAsync();

        client.State.Should().Be(ConnectionState.Closed);
        await server.WaitUntilAsync(s => s.Connections[0].ClientCloseStatus is not null, TestTimeouts.Signal);
        server.Connections[0].ClientCloseStatus.Should().Be(WebSocketCloseStatus.NormalClosure);
        var afterStop = async () => await client.SendTextAsync("late");
        (await afterStop.Should().ThrowAsync<MessageNotSentException>()).Which.Reason.Should().Be(MessageDropReason.Stopped);
        await client.DisposeAsync();
        states.States.Should().Equal(ConnectionState.Connecting, ConnectionState.Open, ConnectionState.Closing, ConnectionState.Closed);
    }

    [Fact]
    public async Task Dispose_during_reconnect_ends_everything_without_errors_or_extra_events()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var time = TimeProvider.System;
        var logger = new CapturingLogger();
        var client = Sut.Create(server.GetUri("/echo"), o => o.Reconnect.Delay = TimeSpan.FromSeconds(30), logger);
        var states = new StateRecorder(client);
        await client.StartAsync();
        await using var reader = client.ReadAllAsync().GetAsyncEnumerator();
        var pendingRead = reader.MoveNextAsync().AsTask();

        await server.StopAsync();
        await states.WaitForAsync(ConnectionState.Reconnecting);
        var pendingSend = client.SendTextAsync("never").AsTask();

        await client.DisposeAsync();

        (await pendingRead.WaitAsync(TestTimeouts.Signal)).Should().BeFalse("readers end when the client is disposed");
        await pendingSend.Invoking(t => t).Should().ThrowAsync<ObjectDisposedException>();
        states.States.Should().Equal(ConnectionState.Connecting, ConnectionState.Open, ConnectionState.Reconnecting, ConnectionState.Closing, ConnectionState.Closed);
        await client.DisposeAsync();
        states.States.Should().HaveCount(5, "a second dispose raises nothing");
        logger.Entries.Should().NotContain(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
        _ = time;
    }
}

public sealed class InFlightWriteTests
{
    [Fact]
    public async Task A_write_cut_off_by_a_dropped_link_is_sent_first_on_the_next_connection()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var connections = 0;
        server.Map("/stall-once", new ServerRoute
        {
            // The first connection does not read, so a large write fills the socket buffers and stays in flight.
            OnConnected = c => Interlocked.Increment(ref connections) == 1 ? release.Task : Task.CompletedTask,
        });
        await using var client = Sut.Create(server.GetUri("/stall-once"));
        await client.StartAsync();
        var big = new byte[32 * 1024 * 1024];
        Random.Shared.NextBytes(big);

        var bigSend = client.SendBinaryAsync(big).AsTask();
        var after = client.SendTextAsync("after").AsTask();
        await Eventually.TrueAsync(() => client.QueuedMessageCount == 1, "the send loop took the big message and is writing it");
        bigSend.IsCompleted.Should().BeFalse("the peer is not reading");

        server.AbortAll();
        release.TrySetResult();

        await Task.WhenAll(bigSend, after).WaitAsync(TestTimeouts.Signal);
        await server.WaitUntilAsync(s => s.Connections.Count == 2 && s.Connections[1].Received.Count == 2, TestTimeouts.Signal);
        var second = server.Connections[1].Received;
        second[0].Data.ToArray().Should().Equal(big, "the interrupted message goes first, whole");
        second[1].Text.Should().Be("after");
        server.Connections[0].Received.Should().BeEmpty();
    }
}
