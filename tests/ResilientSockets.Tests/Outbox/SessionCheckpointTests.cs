using FluentAssertions;
using ResilientSockets.Outbox;
using Xunit;

namespace ResilientSockets.Tests.Outbox;

/// <summary>The sequence mapping a restarted client relies on: written only when it changes, and read back exactly.</summary>
public sealed class SessionCheckpointTests
{
    private static readonly Guid Session = Guid.Parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");

    [Fact]
    public async Task A_run_of_durable_messages_is_written_once_and_maps_every_id_to_its_sequence()
    {
        await using var store = new InMemoryOutboxStore();
        var checkpoint = new SessionCheckpoint(store, () => 1);
        await checkpoint.StartSessionAsync(Session);
        for (var i = 0; i < 100; i++)
        {
            await checkpoint.BeforeDataAsync(1 + i, 1 + (ulong)i);
        }

        checkpoint.Saves.Should().Be(2, "one save for the new session, one for the segment's start; the rest continue it");
        var restored = new SessionCheckpoint(store, () => 1);
        restored.Restore((await store.LoadCheckpointAsync()).Span).Should().Be(Session);
        restored.SequenceOf(1).Should().Be(1UL);
        restored.SequenceOf(100).Should().Be(100UL);
        restored.SequenceOf(101).Should().Be(101UL, "an open segment maps the next ids too: the server cannot report them received unless they were sent");
    }

    [Fact]
    public async Task A_non_durable_message_closes_the_run_before_it_takes_a_sequence()
    {
        await using var store = new InMemoryOutboxStore();
        var checkpoint = new SessionCheckpoint(store, () => 10);
        await checkpoint.StartSessionAsync(Session);
        await checkpoint.BeforeDataAsync(10, 1);
        await checkpoint.BeforeDataAsync(11, 2);
        await checkpoint.BeforeDataAsync(0, 3); // a transient message takes sequence 3
        await checkpoint.BeforeDataAsync(0, 4);
        await checkpoint.BeforeDataAsync(12, 5);

        var restored = new SessionCheckpoint(store, () => 10);
        restored.Restore((await store.LoadCheckpointAsync()).Span);
        restored.SequenceOf(10).Should().Be(1UL);
        restored.SequenceOf(11).Should().Be(2UL);
        restored.SequenceOf(12).Should().Be(5UL);
        restored.SequenceOf(13).Should().Be(6UL);
        checkpoint.Saves.Should().Be(4, "new session, first segment, the close before sequence 3, the second segment; the second transient changes nothing");
    }

    [Fact]
    public async Task A_closed_run_maps_nothing_past_its_end()
    {
        await using var store = new InMemoryOutboxStore();
        var checkpoint = new SessionCheckpoint(store, () => 10);
        await checkpoint.StartSessionAsync(Session);
        await checkpoint.BeforeDataAsync(10, 1);
        await checkpoint.BeforeDataAsync(0, 2);

        var restored = new SessionCheckpoint(store, () => 10);
        restored.Restore((await store.LoadCheckpointAsync()).Span);
        restored.SequenceOf(10).Should().Be(1UL);
        restored.SequenceOf(11).Should().BeNull("id 11 was never sent: sequence 2 belongs to another message");
    }

    [Fact]
    public async Task A_withdrawn_write_ends_the_run_before_it_so_a_later_transient_cannot_be_taken_for_it()
    {
        await using var store = new InMemoryOutboxStore();
        var checkpoint = new SessionCheckpoint(store, () => 10);
        await checkpoint.StartSessionAsync(Session);
        await checkpoint.BeforeDataAsync(10, 1);
        await checkpoint.BeforeDataAsync(11, 2);
        checkpoint.Withdraw(11, 2); // the write of 11 failed as the link died
        await checkpoint.BeforeDataAsync(0, 2); // a transient took sequence 2 on the next link

        var restored = new SessionCheckpoint(store, () => 10);
        restored.Restore((await store.LoadCheckpointAsync()).Span);
        restored.SequenceOf(10).Should().Be(1UL);
        restored.SequenceOf(11).Should().BeNull();
    }

    [Fact]
    public async Task The_same_message_written_again_after_a_withdrawal_continues_the_run_without_a_save()
    {
        await using var store = new InMemoryOutboxStore();
        var checkpoint = new SessionCheckpoint(store, () => 10);
        await checkpoint.StartSessionAsync(Session);
        await checkpoint.BeforeDataAsync(10, 1);
        checkpoint.Withdraw(10, 1);
        var saves = checkpoint.Saves;
        await checkpoint.BeforeDataAsync(10, 1);
        await checkpoint.BeforeDataAsync(11, 2);
        checkpoint.Saves.Should().Be(saves);
    }

    [Fact]
    public async Task Segments_whose_messages_all_left_the_outbox_are_pruned()
    {
        await using var store = new InMemoryOutboxStore();
        long lowest = 1;
        var checkpoint = new SessionCheckpoint(store, () => lowest);
        await checkpoint.StartSessionAsync(Session);
        ulong sequence = 1;
        for (long id = 1; id <= 50; id++)
        {
            await checkpoint.BeforeDataAsync(id, sequence++);
            await checkpoint.BeforeDataAsync(0, sequence++);
            lowest = id; // everything before this id was acknowledged
        }

        var saved = await store.LoadCheckpointAsync();
        saved.Length.Should().BeLessThan(21 + (4 * 24), "only the segments still covering pending ids are kept (it would be 50 otherwise)");
        var restored = new SessionCheckpoint(store, () => lowest);
        restored.Restore(saved.Span);
        restored.SequenceOf(50).Should().Be(99UL);
    }

    [Theory]
    [InlineData(new byte[] { 2, 0, 0 })]
    [InlineData(new byte[] { 1, 1, 2, 3 })]
    public void An_unreadable_checkpoint_is_reported_as_corrupted_with_what_to_do(byte[] data)
    {
        var checkpoint = new SessionCheckpoint(new InMemoryOutboxStore(), () => 1);
        var act = () => checkpoint.Restore(data);
        act.Should().Throw<OutboxStoreException>()
            .Where(e => e.Failure == OutboxStoreFailure.Corrupted && e.Message.Contains("SaveCheckpointAsync", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failed_save_changes_nothing_so_the_next_write_saves_again()
    {
        await using var inner = new InMemoryOutboxStore();
        var store = new FlakyCheckpointStore(inner);
        var checkpoint = new SessionCheckpoint(store, () => 10);
        await checkpoint.StartSessionAsync(Session);
        await checkpoint.BeforeDataAsync(10, 1);
        store.FailNext = true;

        var close = () => checkpoint.BeforeDataAsync(0, 2); // a transient message: the run must be closed first
        await close.Should().ThrowAsync<OutboxStoreException>();
        await checkpoint.BeforeDataAsync(0, 2); // the retry, on the next connection

        var restored = new SessionCheckpoint(inner, () => 10);
        restored.Restore((await inner.LoadCheckpointAsync()).Span);
        restored.SequenceOf(11).Should().BeNull("the close was saved by the retry: id 11 is not taken for sequence 2");
    }

    private sealed class FlakyCheckpointStore(InMemoryOutboxStore inner) : ForwardingOutboxStore(inner)
    {
        public bool FailNext { get; set; }

        public override Task SaveCheckpointAsync(ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken = default)
        {
            if (FailNext)
            {
                FailNext = false;
                return Task.FromException(new OutboxStoreException(OutboxStoreFailure.DiskFull, "full (test)"));
            }

            return base.SaveCheckpointAsync(checkpoint, cancellationToken);
        }
    }
}
