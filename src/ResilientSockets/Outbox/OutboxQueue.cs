using System;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;

namespace ResilientSockets.Outbox;

/// <summary>
/// The client's view of its outbox: every durable message from the moment its append starts until it leaves the store.
/// Entries wait in <c>_unsent</c> in acceptance order (the records pending at start first); the send loop takes the
/// head once its append has committed. Without a session a written entry leaves at once; with one it moves to
/// <c>_sent</c> until the server acknowledges it, and goes back to the front if the session is lost.
/// </summary>
internal sealed partial class OutboxQueue
{
    private readonly object _gate = new();
    private readonly IOutboxStore _store;
    private readonly OutboxOptions _options;
    private readonly TimeProvider _time;
    private readonly Action<OutboxEntry, MessageDropReason> _onDropped;
    private readonly Action<string, Exception> _onStoreError;
    private readonly LinkedList<OutboxEntry> _unsent = new();
    private readonly Queue<OutboxEntry> _sent = new();
    private readonly List<(long Order, OutboxEntry? Entry, TaskCompletionSource<bool> Waiter)> _completionWaiters = [];
    private readonly Internal.AsyncSignal _ready = new();
    private TaskCompletionSource<bool>? _roomWaiter;
    private Task? _load;
    private Exception? _closed;
    private long _nextOrder = 1;
    private long _acknowledgedThroughId;

    // Removals handed to the store and not yet confirmed: first id -> last id (see Forget).
    private readonly SortedDictionary<long, long> _unconfirmedRemovals = new();
    private int _count;
    private long _bytes;

    public OutboxQueue(IOutboxStore store, OutboxOptions options, TimeProvider time, Action<OutboxEntry, MessageDropReason> onDropped, Action<string, Exception> onStoreError)
    {
        _store = store;
        _options = options;
        _time = time;
        _onDropped = onDropped;
        _onStoreError = onStoreError;
    }

    /// <summary>Gets how many durable messages the client holds (pending, being stored, or waiting for acknowledgement).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Gets the checkpoint the store held at start (empty when none); read once the load completed.</summary>
    public ReadOnlyMemory<byte> LoadedCheckpoint { get; private set; }

    /// <summary>Gets how many records the load found pending (after removing the expired ones).</summary>
    public int LoadedCount { get; private set; }

    /// <summary>Gets how many records the load found expired (removed and reported, never sent).</summary>
    public int LoadedExpired { get; private set; }

    /// <summary>Gets a value indicating whether nothing durable waits to be written (a direct write may go ahead).</summary>
    public bool HasNothingUnsent
    {
        get
        {
            lock (_gate)
            {
                return _unsent.Count == 0;
            }
        }
    }

    /// <summary>Gets the order of the newest entry accepted so far (0 before the first): what a flush waits for.</summary>
    public long NewestOrder
    {
        get
        {
            lock (_gate)
            {
                return _nextOrder - 1;
            }
        }
    }

    /// <summary>Starts (once) and returns the load of what the store holds: those records go out first.</summary>
    public Task EnsureLoadedAsync()
    {
        lock (_gate)
        {
            return _load ??= LoadAsync();
        }
    }

    /// <summary>
    /// Stores one message and queues it behind everything accepted before. Completes when the store committed it.
    /// </summary>
    /// <returns>The stored entry (what <see cref="WaitForCompletionAsync"/> takes).</returns>
    public async ValueTask<OutboxEntry> AppendAsync(WebSocketMessageType messageType, byte[] payload, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync().ConfigureAwait(false);
        OutboxEntry entry;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Task? room = null;
            OutboxEntry? evicted = null;
            lock (_gate)
            {
                if (_closed is { } closed)
                {
                    throw closed;
                }

                if (HasRoomLocked(payload.Length))
                {
                    // Called under the lock, so store ids follow acceptance order (the store's call-order rule).
                    var append = _store.AppendAsync(new OutboxRecord(messageType, payload, _time.GetUtcNow(), expiresAt), CancellationToken.None);
                    entry = new OutboxEntry(_nextOrder++, append, messageType, payload, expiresAt);
                    _unsent.AddLast(entry);
                    _count++;
                    _bytes += payload.Length;
                    break;
                }

                switch (_options.OverflowPolicy)
                {
                    case OverflowPolicy.Wait:
                        _roomWaiter ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                        room = _roomWaiter.Task;
                        break;
                    case OverflowPolicy.DropOldest:
                    case OverflowPolicy.DropNewest:
                        evicted = FindEvictableLocked(_options.OverflowPolicy == OverflowPolicy.DropOldest);
                        if (evicted is not null)
                        {
                            RemoveLocked(evicted);
                            evicted.DropReason = MessageDropReason.Overflow;
                            _unsent.Remove(evicted);

                            // Under the lock, like every removal: the store sees it before any later checkpoint.
                            Forget(evicted.Id, evicted.Id, "remove an evicted message from");
                        }

                        break;
                }

                if (room is null && evicted is null)
                {
                    throw new MessageNotSentException(
                        MessageDropReason.QueueFull,
                        $"The outbox is full ({_count} messages, {_bytes} bytes; limits Outbox.MaxMessages {_options.MaxMessages}, Outbox.MaxBytes {_options.MaxBytes}) and the overflow policy is {_options.OverflowPolicy}{(_options.OverflowPolicy == OverflowPolicy.Reject ? string.Empty : " with nothing unsent left to drop")}.");
                }
            }

            if (evicted is not null)
            {
                _onDropped(evicted, MessageDropReason.Overflow);
                WakeWaiters();
                continue;
            }

            await Internal.TaskHelpers.WaitAsync(room!, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await entry.Append!.ConfigureAwait(false);
        }
        catch
        {
            lock (_gate)
            {
                if (!entry.Removed)
                {
                    RemoveLocked(entry);
                    _unsent.Remove(entry);
                }
            }

            WakeWaiters();
            _ready.Set(); // a later append may have committed first and used the wake-up while this one blocked the head
            throw;
        }

        _ready.Set();
        return entry;
    }

    /// <summary>Completes when the send loop may have something to take (an append committed, or the load finished).</summary>
    public Task WaitUntilReadyAsync() => _ready.WaitAsync();

    /// <summary>Gets a value indicating whether the head of the outbox can be written now (stored, not failed).</summary>
    public bool HasReady
    {
        get
        {
            lock (_gate)
            {
                return _unsent.First is { } head && (head.Value.IsStored || head.Value.IsFailed);
            }
        }
    }

    /// <summary>
    /// The send loop's take: the oldest unsent entry, once stored. Failed appends are skipped (their senders were told);
    /// expired entries leave the store and are reported. The entry stays queued until <see cref="MarkWritten"/>.
    /// </summary>
    public bool TryPeekReady(out OutboxEntry entry)
    {
        List<OutboxEntry>? expired = null;
        var found = false;
        entry = null!;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            while (_unsent.First is { } node)
            {
                var head = node.Value;
                if (head.IsFailed || head.Removed)
                {
                    if (!head.Removed)
                    {
                        RemoveLocked(head);
                    }

                    _unsent.RemoveFirst();
                    continue;
                }

                if (!head.IsStored)
                {
                    break;
                }

                if (head.IsExpired(now) && !head.MaybeDelivered)
                {
                    RemoveLocked(head);
                    head.DropReason = MessageDropReason.Expired;
                    _unsent.RemoveFirst();
                    Forget(head.Id, head.Id, "remove an expired message from");
                    (expired ??= []).Add(head);
                    continue;
                }

                head.InFlight = true;
                entry = head;
                found = true;
                break;
            }
        }

        if (expired is not null)
        {
            foreach (var gone in expired)
            {
                _onDropped(gone, MessageDropReason.Expired);
            }

            WakeWaiters();
        }

        return found;
    }

    /// <summary>The head entry was written. Without a session it leaves (its removal is batched by the caller); with one it waits for the ack.</summary>
    public void MarkWritten(OutboxEntry entry, bool awaitAcknowledgement)
    {
        lock (_gate)
        {
            if (_unsent.First?.Value != entry)
            {
                throw new InvalidOperationException("Only the head of the outbox can be written. This is a bug in ResilientSockets.");
            }

            _unsent.RemoveFirst();
            entry.InFlight = false;
            if (awaitAcknowledgement && entry.Id > _acknowledgedThroughId)
            {
                _sent.Enqueue(entry);
                return;
            }

            RemoveLocked(entry);
            if (awaitAcknowledgement)
            {
                // The ack overtook the bookkeeping (a fast server answers before the write returns).
                Forget(entry.Id, entry.Id, "remove an acknowledged message from");
            }
        }

        WakeWaiters();
    }

    /// <summary>The write of the head entry failed: it stays first, and may be evicted again.</summary>
    public void WriteFailed(OutboxEntry entry)
    {
        lock (_gate)
        {
            entry.InFlight = false;
        }
    }

    /// <summary>Removes written records from the store (one range per send batch).</summary>
    public void CompleteWritten(long firstId, long lastId) => Forget(firstId, lastId, "remove written messages from");

    /// <summary>The server acknowledged every durable message up to store id <paramref name="id"/>: they leave.</summary>
    public void OnAcknowledgedThrough(long id)
    {
        long first = 0, last = 0;
        lock (_gate)
        {
            _acknowledgedThroughId = Math.Max(_acknowledgedThroughId, id);
            while (_sent.Count > 0 && _sent.Peek().Id <= id)
            {
                var done = _sent.Dequeue();
                first = first == 0 ? done.Id : first;
                last = done.Id;
                RemoveLocked(done);
            }

            if (first != 0)
            {
                // Called under the lock: the checkpoint prunes by what the outbox still holds, so the store must see
                // this removal before any checkpoint saved after it (the store applies writes in call order).
                Forget(first, last, "remove acknowledged messages from");
            }
        }

        if (first != 0)
        {
            WakeWaiters();
        }
    }

    /// <summary>
    /// The session was lost (or a new one began with messages sent in the old): everything sent and not acknowledged goes
    /// back to the front, to be sent again in the new session. Returns how many.
    /// </summary>
    public int Rewind()
    {
        lock (_gate)
        {
            _acknowledgedThroughId = 0;
            var count = _sent.Count;
            var sent = _sent.ToArray();
            _sent.Clear();
            for (var i = sent.Length - 1; i >= 0; i--)
            {
                sent[i].MaybeDelivered = true; // sent in the lost session: perhaps delivered
                _unsent.AddFirst(sent[i]);
            }

            return count;
        }
    }

    private bool HasRoomLocked(int length)
        => _count < _options.MaxMessages && (_count == 0 || _bytes + length <= _options.MaxBytes);

    private long LowestOutstandingOrderLocked()
        => _sent.Count > 0 ? _sent.Peek().Order : _unsent.First?.Value.Order ?? long.MaxValue;

    private OutboxEntry? FindEvictableLocked(bool oldest)
    {
        // Only stored, unsent entries can go: a message on the wire (or awaiting its ack) cannot be taken back.
        for (var node = oldest ? _unsent.First : _unsent.Last; node is not null; node = oldest ? node.Next : node.Previous)
        {
            if (node.Value.IsStored && !node.Value.Removed && !node.Value.InFlight && !node.Value.MaybeDelivered)
            {
                return node.Value;
            }
        }

        return null;
    }

    private void RemoveLocked(OutboxEntry entry)
    {
        entry.Removed = true;
        _count--;
        _bytes -= entry.Payload.Length;
    }
}
