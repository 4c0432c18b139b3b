using System.Collections.Concurrent;
using FluentAssertions;
using ResilientSockets.Outbox;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using ResilientSockets.Tests.Sessions;
using Xunit;

namespace ResilientSockets.Tests.Outbox;

/// <summary>Each durable message's outcome reaches whoever waits for it; stopping keeps or ends the session as the outbox needs.</summary>
[Collection(ProcessWideCollection.Name)]
public sealed class OutboxOutcomeTests
{
    private static ResilientWebSocket CreateClient(Uri uri, IOutboxStore store, Action<OutboxOptions>? outbox = null)
    {
        var options = new OutboxOptions { Store = store };
        outbox?.Invoke(options);
        return Sut.Create(uri, o =>
        {
            o.Session = new ReliableSessionOptions();
            o.Outbox = options;
            o.Reconnect.Delay = TimeSpan.FromMilliseconds(5);
        });
    }

    [Fact]
    public async Task Waiting_for_the_acknowledgement_of_an_evicted_message_fails_with_its_reason()
    {
        await using var store = new InMemoryOutboxStore();
        await using var client = CreateClient(new Uri("ws://127.0.0.1:1/"), store, o => { o.MaxMessages = 1; o.OverflowPolicy = OverflowPolicy.DropOldest; });
        var first = client.SendTextAsync("first", new SendOptions { WaitForAcknowledgement = true }).AsTask();

        await client.SendTextAsync("second"); // evicts "first", which was never sent

        var error = (await FluentActions.Awaiting(() => first.WaitAsync(TestTimeouts.Signal)).Should().ThrowAsync<MessageNotSentException>()).Which;
        error.Reason.Should().Be(MessageDropReason.Overflow);
        error.Message.Should().Contain("evicted");
    }

    [Fact]
    public async Task Stopping_a_client_that_never_started_ends_every_wait_and_keeps_the_messages()
    {
        await using var store = new InMemoryOutboxStore();
        var client = CreateClient(new Uri("ws://127.0.0.1:1/"), store);
        var acknowledged = client.SendTextAsync("kept", new SendOptions { WaitForAcknowledgement = true }).AsTask();

        await client.DisposeAsync();

        (await FluentActions.Awaiting(() => acknowledged.WaitAsync(TestTimeouts.Signal)).Should().ThrowAsync<MessageNotSentException>())
            .Which.Reason.Should().Be(MessageDropReason.Stopped);
        store.Count.Should().Be(1);
    }

    [Fact]
    public async Task A_stop_with_messages_not_yet_acknowledged_keeps_the_session_for_the_next_start()
    {
        var received = new ConcurrentQueue<string>();
        await using var host = await AspNetSessionHost.StartAsync(
            configure: o => { o.AckEvery = 65536; o.AckDelay = TimeSpan.FromSeconds(3); },
            handler: async (session, ct) =>
            {
                await foreach (var message in session.ReadAllAsync(ct))
                {
                    received.Enqueue(message.Text!);
                }
            });
        await using var store = new InMemoryOutboxStore();
        await using (var first = CreateClient(host.Uri, store))
        {
            await first.StartAsync().WaitAsync(TestTimeouts.Signal);
            for (var i = 0; i < 50; i++)
            {
                await first.SendTextAsync($"m{i}");
            }

            await Eventually.TrueAsync(() => received.Count == 50, "the server received all 50 (it acknowledges none yet)");
            await first.StopAsync(); // no drain: 50 delivered, none acknowledged
        }

        store.Count.Should().Be(50);
        await using var second = CreateClient(host.Uri, store);
        var lost = 0;
        second.SessionLost += (_, _) => Interlocked.Increment(ref lost);
        await second.StartAsync().WaitAsync(TestTimeouts.Signal);
        await second.SendTextAsync("m50");
        await second.FlushAsync().WaitAsync(TestTimeouts.Signal);

        received.Should().Equal(Enumerable.Range(0, 51).Select(i => $"m{i}"), "the resumed session drops nothing and delivers nothing twice");
        host.Sessions.Should().HaveCount(1);
        lost.Should().Be(0);
    }

    [Fact]
    public async Task A_clean_stop_with_an_empty_outbox_ends_the_session_and_the_next_start_begins_afresh_without_a_loss_report()
    {
        await using var host = await AspNetSessionHost.StartAsync();
        await using var store = new InMemoryOutboxStore();
        await using (var first = CreateClient(host.Uri, store))
        {
            await first.StartAsync().WaitAsync(TestTimeouts.Signal);
            await first.SendTextAsync("one", new SendOptions { WaitForAcknowledgement = true }).AsTask().WaitAsync(TestTimeouts.Signal);
            await first.StopAsync();
        }

        (await store.LoadCheckpointAsync()).IsEmpty.Should().BeTrue("the ended session is forgotten");
        await using var second = CreateClient(host.Uri, store);
        var lost = 0;
        second.SessionLost += (_, _) => Interlocked.Increment(ref lost);
        await second.StartAsync().WaitAsync(TestTimeouts.Signal);
        await second.SendTextAsync("two", new SendOptions { WaitForAcknowledgement = true }).AsTask().WaitAsync(TestTimeouts.Signal);

        lost.Should().Be(0);
        host.Sessions.Should().HaveCount(2, "the first session ended with the stop; the second start began a new one");
    }
}
