using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ResilientSockets.Outbox;

/// <summary>
/// Where outbound messages wait until they have been sent (plain mode) or acknowledged (session mode). A durable
/// store (for example <c>SqliteOutboxStore</c> in the ResilientSockets.Outbox.Sqlite package) keeps them across a
/// process restart; <see cref="InMemoryOutboxStore"/> is the default and the reference behaviour.
/// </summary>
/// <remarks>
/// Every member is safe to call concurrently. A failure of the underlying storage is an
/// <see cref="OutboxStoreException"/> whose <see cref="OutboxStoreException.Failure"/> says what went wrong; a store
/// never silently drops a record it accepted.
/// </remarks>
public interface IOutboxStore : IAsyncDisposable
{
    /// <summary>Gets how many records are pending (appended, not completed).</summary>
    long Count { get; }

    /// <summary>Gets the total payload bytes of the pending records.</summary>
    long Bytes { get; }

    /// <summary>
    /// Stores <paramref name="record"/>. When the returned task completes, the record is as durable as the store
    /// promises (for a durable store: committed to disk).
    /// </summary>
    /// <param name="record">The message to keep. Its <see cref="OutboxRecord.Id"/> is ignored.</param>
    /// <param name="cancellationToken">Cancels the wait; a record already handed to storage may still be stored.</param>
    /// <returns>The record's durable sequence id: unique, larger than every id returned before, never reused.</returns>
    /// <exception cref="OutboxStoreException">The storage failed (disk full, read-only, locked, corrupted).</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    Task<long> AppendAsync(OutboxRecord record, CancellationToken cancellationToken = default);

    /// <summary>Removes the record with <paramref name="id"/> (sent, or acknowledged). An unknown id is ignored.</summary>
    /// <param name="id">The id <see cref="AppendAsync"/> returned.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the removal is stored.</returns>
    /// <exception cref="OutboxStoreException">The storage failed.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    Task CompleteAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Reads every pending record, in the order they were appended (increasing <see cref="OutboxRecord.Id"/>).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The pending records, oldest first.</returns>
    /// <exception cref="OutboxStoreException">The storage failed.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    Task<IReadOnlyList<OutboxRecord>> LoadPendingAsync(CancellationToken cancellationToken = default);
}
