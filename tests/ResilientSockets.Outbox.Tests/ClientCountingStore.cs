namespace ResilientSockets.Outbox.Tests;

/// <summary>An <see cref="IOutboxStore"/> that counts appends and forwards everything to a real store.</summary>
internal sealed class ClientCountingStore(IOutboxStore inner) : IOutboxStore
{
    private int _appends;

    public int Appends => Volatile.Read(ref _appends);

    public long Count => inner.Count;

    public long Bytes => inner.Bytes;

    public Task<long> AppendAsync(OutboxRecord record, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _appends);
        return inner.AppendAsync(record, cancellationToken);
    }

    public Task CompleteAsync(long id, CancellationToken cancellationToken = default) => inner.CompleteAsync(id, cancellationToken);

    public Task<IReadOnlyList<OutboxRecord>> LoadPendingAsync(CancellationToken cancellationToken = default) => inner.LoadPendingAsync(cancellationToken);

    public Task CompleteRangeAsync(long firstId, long lastId, CancellationToken cancellationToken = default) => inner.CompleteRangeAsync(firstId, lastId, cancellationToken);

    public Task SaveCheckpointAsync(ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken = default) => inner.SaveCheckpointAsync(checkpoint, cancellationToken);

    public Task<ReadOnlyMemory<byte>> LoadCheckpointAsync(CancellationToken cancellationToken = default) => inner.LoadCheckpointAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
