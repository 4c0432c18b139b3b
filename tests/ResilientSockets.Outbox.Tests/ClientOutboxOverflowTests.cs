using ResilientSockets.Outbox.Sqlite;

namespace ResilientSockets.Outbox.Tests;

/// <summary>
/// A full outbox (OutboxOptions.MaxMessages) under each overflow policy, with the server down so nothing leaves; the
/// server then comes up on the port the client was trying, and what the outbox kept arrives.
/// </summary>
public sealed class ClientOutboxOverflowTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = ClientFactory.Timeout;
    private readonly TempDirectory _directory = new();
    private readonly int _port = ClientRecordingServer.FreePort();
    private SqliteOutboxStore _store = null!;

    public async Task InitializeAsync() => _store = await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = _directory.File("overflow.db") });

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Reject_fails_the_send_with_QueueFull_and_keeps_what_was_stored()
    {
        await using var client = CreateOfflineClient(OverflowPolicy.Reject, maxMessages: 3);
        await SendAsync(client, "m1", "m2", "m3");

        var act = () => client.SendTextAsync("m4").AsTask();

        (await act.Should().ThrowAsync<MessageNotSentException>()).Which.Reason.Should().Be(MessageDropReason.QueueFull);
        await AssertPendingAsync("m1", "m2", "m3");
        client.OutboxCount.Should().Be(3);
        await DeliverAsync(client, ["m1", "m2", "m3"]);
    }

    [Theory]
    [InlineData(OverflowPolicy.DropOldest, 0, new[] { "m2", "m3", "m4" })]
    [InlineData(OverflowPolicy.DropNewest, 2, new[] { "m1", "m2", "m4" })]
    public async Task A_drop_policy_reports_the_evicted_message_with_its_outbox_id_and_removes_it_from_the_store(OverflowPolicy policy, int evicted, string[] kept)
    {
        await using var client = CreateOfflineClient(policy, maxMessages: 3);
        var drops = new ClientFactory.Drops(client);
        await SendAsync(client, "m1", "m2", "m3");
        var ids = (await _store.LoadPendingAsync()).Select(r => r.Id).ToArray();

        await SendAsync(client, "m4");

        var dropped = await drops.NextAsync();
        dropped.Reason.Should().Be(MessageDropReason.Overflow);
        dropped.Direction.Should().Be(MessageDirection.Outbound);
        dropped.OutboxId.Should().Be(ids[evicted]);
        (await _store.LoadPendingAsync()).Select(r => r.Id).Should().NotContain(ids[evicted]);
        await AssertPendingAsync(kept);
        await DeliverAsync(client, kept);
        drops.Count.Should().Be(0, "one message was evicted");
    }

    [Fact]
    public async Task Wait_holds_the_send_until_a_message_leaves_the_outbox_when_the_server_comes_up()
    {
        await using var client = CreateOfflineClient(OverflowPolicy.Wait, maxMessages: 2);
        await SendAsync(client, "m1", "m2");

        var third = client.SendTextAsync("m3").AsTask();
        await Task.Yield();

        third.IsCompleted.Should().BeFalse("the outbox is full and nothing can leave while the server is down");
        _store.Count.Should().Be(2);
        await DeliverAsync(client, ["m1", "m2", "m3"], released: third);
    }

    private ResilientWebSocket CreateOfflineClient(OverflowPolicy policy, int maxMessages)
    {
        var client = ClientFactory.Create(ClientRecordingServer.SessionUriFor(_port), _store, o =>
        {
            o.MaxMessages = maxMessages;
            o.OverflowPolicy = policy;
        });
        ClientFactory.StartOffline(client);
        return client;
    }

    private static async Task SendAsync(ResilientWebSocket client, params string[] texts)
    {
        foreach (var text in texts)
        {
            await client.SendTextAsync(text).AsTask().WaitAsync(Timeout);
        }
    }

    private async Task AssertPendingAsync(params string[] texts) =>
        (await _store.LoadPendingAsync()).Select(r => System.Text.Encoding.UTF8.GetString(r.Payload.Span)).Should().Equal(texts);

    /// <summary>Starts the server on the port the client keeps trying, and checks that exactly <paramref name="texts"/> arrive.</summary>
    private async Task DeliverAsync(ResilientWebSocket client, string[] texts, Task? released = null)
    {
        await using var server = await ClientRecordingServer.StartAsync(_port);
        if (released is not null)
        {
            await released.WaitAsync(Timeout);
        }

        await client.FlushAsync().WaitAsync(Timeout);
        await server.Received.WaitForCountAsync(texts.Length, Timeout);
        server.Received.Snapshot().Should().Equal(texts);
        client.OutboxCount.Should().Be(0);
        // The removals were handed to the store before the flush returned; the store applies its operations in order.
        (await _store.LoadPendingAsync()).Should().BeEmpty();
        _store.Count.Should().Be(0);
    }
}
