using System.Text;

namespace ResilientSockets.Outbox.Tests;

/// <summary>
/// What every <see cref="IOutboxStore"/> does, whatever keeps the records. Each concrete subclass runs the whole suite
/// against one implementation.
/// </summary>
public abstract class OutboxStoreContractTests : IAsyncLifetime
{
    private IOutboxStore? _store;

    protected IOutboxStore Store => _store ?? throw new InvalidOperationException("InitializeAsync has not run.");

    public async Task InitializeAsync() => _store = await CreateStoreAsync();

    public virtual async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }

    protected abstract Task<IOutboxStore> CreateStoreAsync();

    protected static OutboxRecord Text(string text, DateTimeOffset? expiresAt = null) =>
        new(WebSocketMessageType.Text, Encoding.UTF8.GetBytes(text), DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000), expiresAt);

    [Fact]
    public async Task An_appended_record_is_loaded_back_with_its_id_type_payload_and_times()
    {
        var expires = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_060_000);
        var id = await Store.AppendAsync(Text("hello", expires));
        var binaryId = await Store.AppendAsync(new OutboxRecord(WebSocketMessageType.Binary, new byte[] { 1, 2, 3 }, DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_001)));

        var pending = await Store.LoadPendingAsync();

        pending.Should().HaveCount(2);
        pending[0].Id.Should().Be(id);
        pending[0].MessageType.Should().Be(WebSocketMessageType.Text);
        Encoding.UTF8.GetString(pending[0].Payload.Span).Should().Be("hello");
        pending[0].EnqueuedAt.Should().Be(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));
        pending[0].ExpiresAt.Should().Be(expires);
        pending[1].Id.Should().Be(binaryId);
        pending[1].MessageType.Should().Be(WebSocketMessageType.Binary);
        pending[1].Payload.ToArray().Should().Equal(1, 2, 3);
        pending[1].ExpiresAt.Should().BeNull();
    }

    [Fact]
    public async Task Pending_records_load_in_the_order_they_were_appended()
    {
        var ids = new List<long>();
        for (var i = 0; i < 50; i++)
        {
            ids.Add(await Store.AppendAsync(Text("m" + i)));
        }

        var pending = await Store.LoadPendingAsync();

        pending.Select(r => r.Id).Should().Equal(ids).And.BeInAscendingOrder();
        pending.Select(r => Encoding.UTF8.GetString(r.Payload.Span)).Should().Equal(Enumerable.Range(0, 50).Select(i => "m" + i));
    }

    [Fact]
    public async Task A_completed_record_is_no_longer_pending_and_the_others_keep_their_order()
    {
        var a = await Store.AppendAsync(Text("a"));
        var b = await Store.AppendAsync(Text("b"));
        var c = await Store.AppendAsync(Text("c"));

        await Store.CompleteAsync(b);

        (await Store.LoadPendingAsync()).Select(r => r.Id).Should().Equal(a, c);
    }

    [Fact]
    public async Task Completing_an_unknown_or_already_completed_id_changes_nothing()
    {
        var a = await Store.AppendAsync(Text("abc"));
        await Store.CompleteAsync(a);

        await Store.CompleteAsync(a);
        await Store.CompleteAsync(12345);

        Store.Count.Should().Be(0);
        Store.Bytes.Should().Be(0);
    }

    [Fact]
    public async Task Count_and_bytes_follow_appends_and_completions()
    {
        var a = await Store.AppendAsync(Text("12345"));
        await Store.AppendAsync(Text("123"));
        Store.Count.Should().Be(2);
        Store.Bytes.Should().Be(8);

        await Store.CompleteAsync(a);

        Store.Count.Should().Be(1);
        Store.Bytes.Should().Be(3);
    }

    [Fact]
    public async Task The_store_keeps_its_own_copy_of_the_payload()
    {
        var buffer = Encoding.UTF8.GetBytes("original");
        await Store.AppendAsync(new OutboxRecord(WebSocketMessageType.Text, buffer, DateTimeOffset.UnixEpoch));

        buffer[0] = (byte)'X';

        Encoding.UTF8.GetString((await Store.LoadPendingAsync())[0].Payload.Span).Should().Be("original");
    }

    [Fact]
    public async Task A_hundred_concurrent_appends_are_all_stored_with_unique_increasing_ids()
    {
        var appends = Enumerable.Range(0, 100).Select(i => Task.Run(() => Store.AppendAsync(Text("c" + i)))).ToArray();

        var ids = await Task.WhenAll(appends);

        ids.Should().OnlyHaveUniqueItems();
        var pending = await Store.LoadPendingAsync();
        pending.Should().HaveCount(100);
        pending.Select(r => r.Id).Should().BeInAscendingOrder().And.BeEquivalentTo(ids);
        pending.Select(r => Encoding.UTF8.GetString(r.Payload.Span)).Should().BeEquivalentTo(Enumerable.Range(0, 100).Select(i => "c" + i));
        Store.Count.Should().Be(100);
    }

    [Fact]
    public async Task A_new_id_is_larger_than_every_earlier_one_even_after_the_newest_was_completed()
    {
        var first = await Store.AppendAsync(Text("a"));
        await Store.CompleteAsync(first);

        var second = await Store.AppendAsync(Text("b"));

        second.Should().BeGreaterThan(first);
    }

    [Fact]
    public async Task A_disposed_store_refuses_appends()
    {
        await Store.DisposeAsync();

        var append = () => Store.AppendAsync(Text("late"));

        await append.Should().ThrowAsync<ObjectDisposedException>();
    }

    [Fact]
    public void A_close_message_is_not_an_outbox_record()
    {
        var create = () => new OutboxRecord(WebSocketMessageType.Close, Array.Empty<byte>(), DateTimeOffset.UnixEpoch);

        create.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task A_range_completion_removes_exactly_the_pending_records_inside_it_and_updates_the_counts()
    {
        var ids = new List<long>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add(await Store.AppendAsync(Text($"m{i}")));
        }

        await Store.CompleteAsync(ids[4]);
        await Store.CompleteRangeAsync(ids[2], ids[6]);
        await Store.CompleteRangeAsync(ids[9] + 1, ids[9] + 1000); // nothing there

        var pending = await Store.LoadPendingAsync();
        pending.Select(r => r.Id).Should().Equal(ids[0], ids[1], ids[7], ids[8], ids[9]);
        Store.Count.Should().Be(5);
        Store.Bytes.Should().Be(10, "five two-byte payloads are left");
    }

    [Fact]
    public async Task The_checkpoint_is_empty_at_first_then_holds_the_last_bytes_saved_as_a_copy()
    {
        (await Store.LoadCheckpointAsync()).IsEmpty.Should().BeTrue();
        var bytes = new byte[] { 1, 2, 3 };
        await Store.SaveCheckpointAsync(bytes);
        bytes[0] = 99;
        (await Store.LoadCheckpointAsync()).ToArray().Should().Equal(1, 2, 3);
        await Store.SaveCheckpointAsync(new byte[] { 4 });
        (await Store.LoadCheckpointAsync()).ToArray().Should().Equal(4);
        await Store.SaveCheckpointAsync(ReadOnlyMemory<byte>.Empty);
        (await Store.LoadCheckpointAsync()).IsEmpty.Should().BeTrue();
    }

    [Fact]
    public async Task A_checkpoint_over_64_KiB_is_refused()
    {
        var act = () => Store.SaveCheckpointAsync(new byte[(64 * 1024) + 1]);
        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*64*");
    }

    [Fact]
    public async Task Appends_called_one_after_another_get_ids_in_call_order_and_writes_apply_in_call_order()
    {
        // Started without awaiting in between, as the client does under its lock.
        var appends = Enumerable.Range(0, 200).Select(i => Store.AppendAsync(Text($"m{i}"))).ToList();
        var removal = Store.CompleteRangeAsync(1, long.MaxValue - 1); // called after every append: removes them all
        var checkpoint = Store.SaveCheckpointAsync(new byte[] { 7 });
        var ids = await Task.WhenAll(appends);
        await removal;
        await checkpoint;

        ids.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        (await Store.LoadPendingAsync()).Should().BeEmpty("the range removal was called after the appends, so it applied after them");
        (await Store.LoadCheckpointAsync()).ToArray().Should().Equal(7);
    }
}
