using ResilientSockets.Outbox;

namespace ResilientSockets.Tests.Outbox;

/// <summary>An <see cref="InMemoryOutboxStore"/> behind a seam: tests override the one member whose failure they need.</summary>
internal class ForwardingOutboxStore : IOutboxStore
{
    private readonly InMemoryOutboxStore _inner;

    public ForwardingOutboxStore(InMemoryOutboxStore? inner = null) => _inner = inner ?? new InMemoryOutboxStore();

    public long Count => _inner.Count;

    public long Bytes => _inner.Bytes;

    public virtual Task<long> AppendAsync(OutboxRecord record, CancellationToken cancellationToken = default) => _inner.AppendAsync(record, cancellationToken);

    public Task CompleteAsync(long id, CancellationToken cancellationToken = default) => _inner.CompleteAsync(id, cancellationToken);

    public Task CompleteRangeAsync(long firstId, long lastId, CancellationToken cancellationToken = default) => _inner.CompleteRangeAsync(firstId, lastId, cancellationToken);

    public Task<IReadOnlyList<OutboxRecord>> LoadPendingAsync(CancellationToken cancellationToken = default) => _inner.LoadPendingAsync(cancellationToken);

    public Task<ReadOnlyMemory<byte>> LoadCheckpointAsync(CancellationToken cancellationToken = default) => _inner.LoadCheckpointAsync(cancellationToken);

    public virtual Task SaveCheckpointAsync(ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken = default) => _inner.SaveCheckpointAsync(checkpoint, cancellationToken);

    public ValueTask DisposeAsync() => _inner.DisposeAsync();
}
