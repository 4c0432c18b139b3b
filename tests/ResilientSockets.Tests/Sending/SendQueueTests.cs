using System.Net.WebSockets;
using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Sending;

/// <summary>Queue semantics on a client that is not started yet (messages are held), so nothing drains the queue.</summary>
public sealed class SendQueueTests
{
    private static ResilientWebSocket CreateSut(OverflowPolicy policy, int capacity = 2, TimeProvider? time = null)
        => new(new ResilientWebSocketOptions
        {
            Uri = new Uri("ws://127.0.0.1:9/never"),
            Sending = { Capacity = capacity, OverflowPolicy = policy },
            TimeProvider = time ?? TimeProvider.System,
        });

    private static List<MessageDroppedEventArgs> RecordDrops(ResilientWebSocket client)
    {
        var drops = new List<MessageDroppedEventArgs>();
        client.MessageDropped += (_, e) => { lock (drops) { drops.Add(e); } };
        return drops;
    }

    [Fact]
    public async Task Reject_fails_the_incoming_send_and_raises_a_drop_event()
    {
        await using var client = CreateSut(OverflowPolicy.Reject);
        var drops = RecordDrops(client);
        var first = client.SendTextAsync("1").AsTask();
        var second = client.SendTextAsync("2").AsTask();

        var third = async () => await client.SendTextAsync("3");

        (await third.Should().ThrowAsync<MessageNotSentException>()).Which.Reason.Should().Be(MessageDropReason.QueueFull);
        client.TryPostText("4").Should().BeFalse();
        first.IsCompleted.Should().BeFalse();
        second.IsCompleted.Should().BeFalse();
        await client.DisposeAsync();
        drops.Should().HaveCount(2).And.OnlyContain(d => d.Reason == MessageDropReason.QueueFull && d.Direction == MessageDirection.Outbound);
        await first.Invoking(t => t).Should().ThrowAsync<ObjectDisposedException>();
    }

    [Fact]
    public async Task DropOldest_evicts_the_oldest_and_fails_its_sender()
    {
        await using var client = CreateSut(OverflowPolicy.DropOldest);
        var drops = RecordDrops(client);
        var first = client.SendTextAsync("1").AsTask();
        var second = client.SendTextAsync("2").AsTask();

        var third = client.SendTextAsync("3").AsTask();

        (await first.Invoking(t => t).Should().ThrowAsync<MessageNotSentException>()).Which.Reason.Should().Be(MessageDropReason.Overflow);
        second.IsCompleted.Should().BeFalse();
        third.IsCompleted.Should().BeFalse();
        await client.DisposeAsync();
        drops.Should().ContainSingle().Which.Reason.Should().Be(MessageDropReason.Overflow);
    }

    [Fact]
    public async Task DropNewest_evicts_the_most_recently_queued_message()
    {
        await using var client = CreateSut(OverflowPolicy.DropNewest);
        var first = client.SendTextAsync("1").AsTask();
        var second = client.SendTextAsync("2").AsTask();

        var third = client.SendTextAsync("3").AsTask();

        (await second.Invoking(t => t).Should().ThrowAsync<MessageNotSentException>()).Which.Reason.Should().Be(MessageDropReason.Overflow);
        first.IsCompleted.Should().BeFalse();
        third.IsCompleted.Should().BeFalse();
    }

    [Fact]
    public async Task Wait_holds_the_sender_until_cancelled()
    {
        await using var client = CreateSut(OverflowPolicy.Wait);
        _ = client.SendTextAsync("1");
        _ = client.SendTextAsync("2");
        using var cts = new CancellationTokenSource();

        var third = client.SendTextAsync("3", cts.Token).AsTask();
        third.IsCompleted.Should().BeFalse();
        await cts.CancelAsync();

        await third.Invoking(t => t.WaitAsync(TestTimeouts.Signal)).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task A_message_past_its_time_to_live_fails_at_that_moment_and_is_reported()
    {
        var time = new ObservableTimeProvider();
        await using var client = CreateSut(OverflowPolicy.Wait, capacity: 10, time);
        var drops = RecordDrops(client);

        var stale = client.SendTextAsync("stale".AsMemory(), new SendOptions { TimeToLive = TimeSpan.FromSeconds(5) }).AsTask();
        var fresh = client.SendTextAsync("fresh").AsTask();
        time.Advance(TimeSpan.FromSeconds(4.999));
        stale.IsCompleted.Should().BeFalse();
        time.Advance(TimeSpan.FromMilliseconds(1));

        (await stale.Invoking(t => t.WaitAsync(TestTimeouts.Signal)).Should().ThrowAsync<MessageNotSentException>()).Which.Reason.Should().Be(MessageDropReason.Expired);
        fresh.IsCompleted.Should().BeFalse();
        await client.DisposeAsync();
        drops.Should().ContainSingle().Which.Reason.Should().Be(MessageDropReason.Expired);
        time.ActiveTimers.Should().Be(0);
    }

    [Fact]
    public async Task Sends_are_rejected_after_dispose_with_ObjectDisposedException()
    {
        var client = CreateSut(OverflowPolicy.Wait);
        await client.DisposeAsync();

        await client.Invoking(c => c.SendTextAsync("x").AsTask()).Should().ThrowAsync<ObjectDisposedException>();
        client.TryPostText("x").Should().BeFalse();
        client.State.Should().Be(ConnectionState.Closed);
    }

    [Fact]
    public async Task Withdrawn_and_expired_messages_are_never_written_while_the_rest_are_in_order()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/sink"));
        using var cts = new CancellationTokenSource();
        var keep1 = client.SendTextAsync("keep-1").AsTask();
        var withdrawn = client.SendTextAsync("withdrawn", cts.Token).AsTask();
        client.TryPost("posted"u8.ToArray(), WebSocketMessageType.Text).Should().BeTrue();
        var keep2 = client.SendTextAsync("keep-2").AsTask();
        await cts.CancelAsync();
        await withdrawn.Invoking(t => t).Should().ThrowAsync<OperationCanceledException>();

        await client.StartAsync();
        await Task.WhenAll(keep1, keep2).WaitAsync(TestTimeouts.Signal);

        await server.WaitUntilAsync(s => s.ReceivedCount == 3, TestTimeouts.Signal);
        server.ReceivedMessages.Select(m => m.Text).Should().Equal("keep-1", "posted", "keep-2");
    }
}
