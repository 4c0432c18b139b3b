using System.Net.WebSockets;
using FluentAssertions;
using ResilientSockets.Sending;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Sending;

/// <summary>
/// The queued send path takes its messages from a process-wide pool; these tests own the process so no other test
/// empties or refills that pool under them.
/// </summary>
[Collection(ProcessWideCollection.Name)]
public sealed class PooledSendTests
{
    [Fact]
    public async Task A_message_goes_back_to_the_pool_only_when_both_the_caller_and_the_queue_have_let_go()
    {
        var message = OutboundMessagePool.Rent(new byte[] { 1 }, WebSocketMessageType.Binary, rented: null);
        var pending = message.AsValueTask();
        message.TryBeginWrite().Should().BeTrue();
        message.CompleteWritten();

        await pending; // the caller lets go first
        Rented().Should().NotContain(message, "the queue still holds it");

        message.ReleaseFromQueue();
        Rented().Should().Contain(message, "both owners have let go");
    }

    [Fact]
    public async Task A_stale_await_of_a_recycled_message_throws_and_does_not_release_it_again()
    {
        var message = OutboundMessagePool.Rent(new byte[] { 1 }, WebSocketMessageType.Binary, rented: null);
        var pending = message.AsValueTask();
        message.TryFail(new InvalidOperationException("first use"));
        message.ReleaseFromQueue();
        await pending.Invoking(async p => await p).Should().ThrowAsync<InvalidOperationException>().WithMessage("first use");

        var reused = OutboundMessagePool.Rent(new byte[] { 2 }, WebSocketMessageType.Binary, rented: null);
        reused.Should().BeSameAs(message);
        var stale = () => pending.GetAwaiter().GetResult();
        stale.Should().Throw<InvalidOperationException>("the token belongs to the first use");

        var fresh = reused.AsValueTask();
        reused.TryBeginWrite().Should().BeTrue("the stale await did not complete or recycle the second use");
        reused.CompleteWritten();
        reused.ReleaseFromQueue();
        await fresh;
    }

    [Fact]
    public async Task A_message_with_a_time_to_live_is_never_pooled()
    {
        var message = OutboundMessagePool.Rent(new byte[] { 1 }, WebSocketMessageType.Binary, rented: null);
        var pending = message.AsValueTask();
        message.Arm(CancellationToken.None, TimeSpan.FromMinutes(1), TimeProvider.System, _ => { });
        message.TryBeginWrite().Should().BeTrue();
        message.CompleteWritten();
        message.ReleaseFromQueue();
        await pending;

        Rented().Should().NotContain(message, "its expiry timer callback might still run");
    }

    [Fact]
    public async Task Sends_queued_while_the_link_is_down_allocate_nothing_once_the_pool_is_warm_and_all_arrive()
    {
        const int Count = 32;
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/sink"), o =>
        {
            o.Reconnect.Delay = TimeSpan.FromMilliseconds(20);
            o.Reconnect.MaxDelay = TimeSpan.FromMilliseconds(50);
        });
        await client.StartAsync();
        var payload = "queued"u8.ToArray();
        var pending = new ValueTask[Count];

        long allocated = 0;
        for (var outage = 0; outage < 2; outage++)
        {
            await server.StopAsync();
            await Eventually.TrueAsync(() => client.State != ConnectionState.Open, "the client notices the server is gone");
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < Count; i++)
            {
                pending[i] = client.SendAsync(payload, WebSocketMessageType.Text);
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            client.QueuedMessageCount.Should().Be(Count, "the link is down, so every send waits in the queue");
            await server.RestartAsync();
            foreach (var send in pending)
            {
                await send.AsTask().WaitAsync(TestTimeouts.Signal);
            }

            // Written is not received: let the server read them before the next outage takes the link down.
            var expected = (outage + 1) * Count;
            await server.WaitUntilAsync(s => s.ReceivedCount == expected, TestTimeouts.Signal);
        }

        allocated.Should().Be(0, "the second outage's sends reuse the messages of the first");
    }

    private static List<OutboundMessage> Rented()
    {
        // Empties the pool to look at it; the messages are simply dropped afterwards (the pool refills on demand).
        var seen = new List<OutboundMessage>();
        for (var i = 0; i < 128; i++)
        {
            seen.Add(OutboundMessagePool.Rent(default, WebSocketMessageType.Binary, rented: null));
        }

        return seen;
    }
}
