using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace ResilientSockets.Outbox;

/// <summary>
/// The default <see cref="IOutboxStore"/>: records live in memory, so they survive reconnects but not a process
/// restart. It is also the reference behaviour every durable store is tested against.
/// </summary>
public sealed class InMemoryOutboxStore : IOutboxStore
{
    // The client's checkpoints are a few hundred bytes; the bound keeps a runaway one from filling the store.
    private const int MaxCheckpointBytes = 64 * 1024;

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

    private ReadOnlyMemory<byte> _checkpoint;

    /// <inheritdoc/>
    public Task CompleteRangeAsync(long firstId, long lastId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            if (lastId - firstId < _records.Count)
            {
                for (var id = firstId; id <= lastId; id++)
                {
                    Remove(id);
                }
            }
            else
            {
                // A wide range over few records: walk the records instead of the ids.
                foreach (var id in _records.Keys.Where(id => id >= firstId && id <= lastId).ToList())
                {
                    Remove(id);
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task SaveCheckpointAsync(ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken = default)
    {
        if (checkpoint.Length > MaxCheckpointBytes)
        {
            throw new ArgumentException($"A checkpoint is at most 64 KiB ({MaxCheckpointBytes} bytes; was {checkpoint.Length}).", nameof(checkpoint));
        }

        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            _checkpoint = checkpoint.ToArray();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<ReadOnlyMemory<byte>> LoadCheckpointAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            return Task.FromResult(_checkpoint);
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

    private void Remove(long id)
    {
        if (_records.TryGetValue(id, out var record))
        {
            _records.Remove(id);
            Interlocked.Add(ref _bytes, -record.Payload.Length);
        }
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            throw new ObjectDisposedException(nameof(InMemoryOutboxStore));
        }
    }
}
