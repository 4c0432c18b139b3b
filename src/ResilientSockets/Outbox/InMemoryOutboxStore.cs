using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ResilientSockets.Outbox;

/// <summary>
/// The default <see cref="IOutboxStore"/>: records live in memory, so they survive reconnects but not a process
/// restart. It is also the reference behaviour every durable store is tested against.
/// </summary>
public sealed class InMemoryOutboxStore : IOutboxStore
{
    // Ids only grow, so a sorted map keyed by id is the append order; removal by id stays O(log n).
    private readonly SortedDictionary<long, OutboxRecord> _records = new();
    private readonly object _gate = new();
    private long _lastId;
    private long _bytes;
    private bool _disposed;

    /// <inheritdoc/>
    public long Count
    {
        get
        {
            lock (_gate)
            {
                return _records.Count;
            }
        }
    }

    /// <inheritdoc/>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <inheritdoc/>
    public Task<long> AppendAsync(OutboxRecord record, CancellationToken cancellationToken = default)
    {
        if (record is null)
        {
            throw new ArgumentNullException(nameof(record));
        }

        cancellationToken.ThrowIfCancellationRequested();

        // The caller may reuse its buffer once the append returned: keep a copy, as a durable store does.
        var payload = record.Payload.ToArray();
        lock (_gate)
        {
            ThrowIfDisposed();
            var id = ++_lastId;
            _records.Add(id, record.WithId(id, payload));
            Interlocked.Add(ref _bytes, payload.Length);
            return Task.FromResult(id);
        }
    }

    /// <inheritdoc/>
    public Task CompleteAsync(long id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            if (_records.TryGetValue(id, out var record))
            {
                _records.Remove(id);
                Interlocked.Add(ref _bytes, -record.Payload.Length);
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<OutboxRecord>> LoadPendingAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            return Task.FromResult<IReadOnlyList<OutboxRecord>>(new List<OutboxRecord>(_records.Values));
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        return default;
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            throw new ObjectDisposedException(nameof(InMemoryOutboxStore));
        }
    }
}
