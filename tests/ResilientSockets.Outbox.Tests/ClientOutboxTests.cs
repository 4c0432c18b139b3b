using Microsoft.Extensions.Time.Testing;
using ResilientSockets.Outbox.Sqlite;

namespace ResilientSockets.Outbox.Tests;

/// <summary>The durable outbox through the client (real Kestrel on loopback): TTL across a restart, replay order, reconnects, transient sends.</summary>
public sealed class ClientOutboxTests : IDisposable
{
    private static readonly TimeSpan Timeout = ClientFactory.Timeout;
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task A_message_whose_time_to_live_ran_out_while_the_client_was_down_is_reported_expired_and_never_sent()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        var port = ClientRecordingServer.FreePort();
        var db = _directory.File("ttl.db");

        // Client 1, offline, accepts one message that lives a minute and one that does not expire; then it is gone.
        await using (var store1 = await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = db }))
        {
            await using var client1 = ClientFactory.Create(ClientRecordingServer.SessionUriFor(port), store1, time: time);
            ClientFactory.StartOffline(client1);
            await client1.SendTextAsync("short-lived".AsMemory(), new SendOptions { TimeToLive = TimeSpan.FromMinutes(1) }).AsTask().WaitAsync(Timeout);
            await client1.SendTextAsync("kept").AsTask().WaitAsync(Timeout);
            client1.OutboxCount.Should().Be(2);
        }

        time.Advance(TimeSpan.FromMinutes(2));

        // Client 2 on the same file: the deadline was stored with the message, so it holds across the restart.
        await using var store2 = await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = db });
        var pending = await store2.LoadPendingAsync();
        pending.Select(r => r.ExpiresAt).Should().Equal(start.AddMinutes(1), null);
        var shortLivedId = pending[0].Id;
        await using var server = await ClientRecordingServer.StartAsync(port);
        await using var client2 = ClientFactory.Create(server.SessionUri, store2, time: time);
        var drops = new ClientFactory.Drops(client2);
        await client2.StartAsync().WaitAsync(Timeout);

        var dropped = await drops.NextAsync();
        dropped.Reason.Should().Be(MessageDropReason.Expired);
        dropped.Direction.Should().Be(MessageDirection.Outbound);
        dropped.OutboxId.Should().Be(shortLivedId);
        await client2.FlushAsync().WaitAsync(Timeout);
        await server.Received.WaitForCountAsync(1, Timeout);
        server.Received.Snapshot().Should().Equal(["kept"], "the expired message is never sent, and it would have gone before this one");
        (await store2.LoadPendingAsync()).Should().BeEmpty();
        drops.Count.Should().Be(0, "one message expired");
    }

    [Fact]
    public async Task Records_pending_at_start_go_out_before_new_sends_in_their_order()
    {
        var port = ClientRecordingServer.FreePort();
        var db = _directory.File("pending.db");
        await using (var store1 = await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = db }))
        {
            await using var client1 = ClientFactory.Create(ClientRecordingServer.SessionUriFor(port), store1);
            ClientFactory.StartOffline(client1);
            foreach (var text in new[] { "p1", "p2", "p3" })
            {
                await client1.SendTextAsync(text).AsTask().WaitAsync(Timeout);
            }
        }

        await using var server = await ClientRecordingServer.StartAsync(port);
        await using var store2 = await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = db });
        await using var client2 = ClientFactory.Create(server.SessionUri, store2);

        // Accepted before the start: still behind what was pending in the store.
        var early = client2.SendTextAsync("n1").AsTask();
        await client2.StartAsync().WaitAsync(Timeout);
        await early.WaitAsync(Timeout);
        await client2.SendTextAsync("n2").AsTask().WaitAsync(Timeout);
        await client2.FlushAsync().WaitAsync(Timeout);

        await server.Received.WaitForCountAsync(5, Timeout);
        server.Received.Snapshot().Should().Equal("p1", "p2", "p3", "n1", "n2");
        client2.OutboxCount.Should().Be(0);
        (await store2.LoadPendingAsync()).Should().BeEmpty("the removals were handed to the store before the flush returned");
        store2.Count.Should().Be(0);
    }

    [Fact]
    public async Task With_the_in_memory_store_messages_accepted_while_the_server_is_down_are_delivered_after_the_reconnect()
    {
        var received = new ClientReceivedLog();
        var server1 = await ClientRecordingServer.StartAsync(received: received);
        var port = server1.Port;
        var store = new InMemoryOutboxStore();
        await using var client = ClientFactory.Create(server1.PlainUri, store);
        var reconnecting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.StateChanged += (_, e) =>
        {
            if (e.State == ConnectionState.Reconnecting)
            {
                reconnecting.TrySetResult();
            }
        };
        await client.StartAsync().WaitAsync(Timeout);
        await client.SendTextAsync("before").AsTask().WaitAsync(Timeout);
        await received.WaitForCountAsync(1, Timeout);

        await server1.DisposeAsync();
        await reconnecting.Task.WaitAsync(Timeout);
        await client.SendTextAsync("offline-1").AsTask().WaitAsync(Timeout);
        await client.SendTextAsync("offline-2").AsTask().WaitAsync(Timeout);
        client.OutboxCount.Should().Be(2, "both are stored, neither could be written");
        store.Count.Should().Be(2);

        await using var server2 = await ClientRecordingServer.StartAsync(port, received);
        await client.FlushAsync().WaitAsync(Timeout);
        await received.WaitForCountAsync(3, Timeout);
        received.Snapshot().Should().Equal("before", "offline-1", "offline-2");
        client.OutboxCount.Should().Be(0);
        store.Count.Should().Be(0);
    }

    [Fact]
    public async Task A_transient_send_skips_the_store_and_a_durable_one_uses_it()
    {
        await using var server = await ClientRecordingServer.StartAsync();
        var store = new ClientCountingStore(new InMemoryOutboxStore());
        await using var client = ClientFactory.Create(server.SessionUri, store);
        await client.StartAsync().WaitAsync(Timeout);

        await client.SendTextAsync("transient".AsMemory(), new SendOptions { Transient = true }).AsTask().WaitAsync(Timeout);
        store.Appends.Should().Be(0);
        await client.SendTextAsync("durable").AsTask().WaitAsync(Timeout);
        store.Appends.Should().Be(1);

        await client.FlushAsync().WaitAsync(Timeout);
        await server.Received.WaitForCountAsync(2, Timeout);
        server.Received.Snapshot().Should().Equal("transient", "durable");
    }
}
