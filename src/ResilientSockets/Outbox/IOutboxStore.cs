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
/// <para>
/// Every member is safe to call concurrently. A failure of the underlying storage is an
/// <see cref="OutboxStoreException"/> whose <see cref="OutboxStoreException.Failure"/> says what went wrong; a store
/// never silently drops a record it accepted.
/// </para>
/// <para>
/// Two ordering rules the client relies on, which every implementation keeps: <b>writes take effect in call order</b>
/// (append, complete, complete-range and save-checkpoint: a write is never durable while one called before it is not),
/// and <b>ids follow call order</b> (appends called one after another, without awaiting in between, get increasing ids
/// in the order of the calls).
/// </para>
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

    /// <summary>Removes every pending record with an id from <paramref name="firstId"/> to <paramref name="lastId"/> (both included): sent or acknowledged in one go. Ids not pending are ignored.</summary>
    /// <param name="firstId">The first id of the range.</param>
    /// <param name="lastId">The last id of the range.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the removal is stored.</returns>
    /// <exception cref="OutboxStoreException">The storage failed.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    Task CompleteRangeAsync(long firstId, long lastId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the client's checkpoint: opaque bytes the client uses to resume its session after a restart (which
    /// sequence number each stored message went out with). As durable as an append; empty clears it.
    /// </summary>
    /// <param name="checkpoint">The bytes, at most 64 KiB (stores may refuse more). The store keeps its own copy.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the checkpoint is stored.</returns>
    /// <exception cref="ArgumentException">The checkpoint is larger than 64 KiB.</exception>
    /// <exception cref="OutboxStoreException">The storage failed.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    Task SaveCheckpointAsync(ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken = default);

    /// <summary>Reads the checkpoint saved last (empty when none was saved, or it was cleared).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The checkpoint's bytes.</returns>
    /// <exception cref="OutboxStoreException">The storage failed.</exception>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    Task<ReadOnlyMemory<byte>> LoadCheckpointAsync(CancellationToken cancellationToken = default);
}
