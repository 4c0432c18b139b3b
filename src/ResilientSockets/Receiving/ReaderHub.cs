using System;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;

namespace ResilientSockets.Receiving;

/// <summary>
/// Fan-out of received messages to readers. Every reader has its own queue, capacity and policy and sees every message
/// from the moment it was created. While no reader and no handler is attached, messages are held in an unclaimed
/// backlog (client-wide capacity and policy) that the next reader takes over, so nothing is lost for want of a reader.
/// </summary>
internal sealed class ReaderHub
{
    private const string UnclaimedName = "unclaimed";

    private readonly object _gate = new();
    private readonly ReceiveOptions _options;
    private readonly ReceiveBudget _budget;
    private readonly Action<string, WebSocketMessageType, int> _onDropped;
    private readonly ReaderQueue _unclaimed;
    private ReaderQueue[] _readers = [];
    private int _leasedReaders;
    private PayloadSlab? _slab; // the receive loop's current slab; only the loop touches it
    private ReaderQueue[] _deferred = new ReaderQueue[4]; // readers whose wake-up waits for the end of the batch (loop only)
    private int _deferredCount;
    private int _sinceWake;
    private int _created;
    private bool _completed;
    private Exception? _completionError;

    public ReaderHub(ReceiveOptions options, Action<string, WebSocketMessageType, int> onDropped)
    {
        _options = options;
        _onDropped = onDropped;
        _budget = new ReceiveBudget(options.MaxBufferedBytes);
        _unclaimed = new ReaderQueue(UnclaimedName, options.ReaderCapacity, options.ReaderOverflowPolicy, _budget);
    }

    public int Count => Volatile.Read(ref _readers).Length;

    /// <summary>Gets a value indicating whether any reader takes pooled payloads (so the loop should not allocate one per message).</summary>
    public bool WantsPooledPayloads => Volatile.Read(ref _leasedReaders) > 0;

    /// <summary>Gets how many messages wait in the unclaimed backlog.</summary>
    public int UnclaimedCount => _unclaimed.Count;

    /// <summary>Gets the bytes held past readers' capacities.</summary>
    public long BufferedBytes => _budget.Held;

    /// <summary>
    /// Copies a received payload into pooled memory for leased readers (the receive loop only): small payloads back to
    /// back in the current slab, large ones in an array of their own. The entry holds one reference, handed to <see cref="PublishAsync"/>.
    /// </summary>
    public InboundEntry CreatePooledEntry(WebSocketMessageType type, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > PayloadSlab.MaxMessage)
        {
            return InboundEntry.Pooled(type, PooledPayload.Rent(payload), payload.Length);
        }

        if (_slab is null || _slab.Remaining < payload.Length)
        {
            _slab?.Release();
            _slab = PayloadSlab.Rent();
        }

        return InboundEntry.InSlab(type, _slab, _slab.Append(payload), payload.Length);
    }

    /// <summary>
    /// Wakes the readers that got messages since the last call: the receive loop calls it when it is about to wait (for
    /// the socket, or for a full reader), and every 32 messages in between, so a reader is woken once per batch.
    /// </summary>
    public void WakeReaders()
    {
        for (var i = 0; i < _deferredCount; i++)
        {
            _deferred[i].WakeIfDeferred();
            _deferred[i] = null!;
        }

        _deferredCount = 0;
        _sinceWake = 0;
    }

    /// <summary>Counts one published message; every 32 the waiting readers are woken even if the flood goes on.</summary>
    public void Published()
    {
        if (++_sinceWake >= 32)
        {
            WakeReaders();
        }
    }

    /// <summary>
    /// The loop is about to wait for the socket: let go of the current slab, so an idle client pins no receive memory
    /// (the slab returns to the pool once its messages are read).
    /// </summary>
    public void RetireSlab()
    {
        _slab?.Release();
        _slab = null;
    }

    public ReaderQueue Subscribe(ReaderOptions? options)
    {
        options?.Validate();
        var name = options?.Name ?? $"reader-{Interlocked.Increment(ref _created)}";
        var queue = new ReaderQueue(
            name,
            options?.Capacity ?? _options.ReaderCapacity,
            options?.OverflowPolicy ?? _options.ReaderOverflowPolicy,
            _budget);

        lock (_gate)
        {
            // The first reader after a gap takes over what arrived while nobody was reading, in order, before anything newer.
            if (_readers.Length == 0)
            {
                _unclaimed.TransferTo(queue);
            }

            if (_completed)
            {
                queue.Complete(_completionError, discard: false);
                return queue;
            }

            var next = new ReaderQueue[_readers.Length + 1];
            _readers.CopyTo(next, 0);
            next[^1] = queue;
            Volatile.Write(ref _readers, next);
        }

        return queue;
    }

    /// <summary>A queue outside the fan-out (a subscription's consumer): same capacity, policy and budget rules, fed by <see cref="PublishToAsync"/>.</summary>
    public ReaderQueue CreateQueue(ReaderOptions? options, string defaultName)
    {
        options?.Validate();
        return new ReaderQueue(
            options?.Name ?? defaultName,
            options?.Capacity ?? _options.ReaderCapacity,
            options?.OverflowPolicy ?? _options.ReaderOverflowPolicy,
            _budget);
    }

    /// <summary>Hands one message to the given queues (a subscription's consumers); waits, as <see cref="PublishAsync"/> does, only for a full queue under Wait past the budget.</summary>
    public ValueTask PublishToAsync(ReaderQueue[] targets, in InboundEntry entry)
    {
        for (var i = 0; i < targets.Length; i++)
        {
            if (Offer(targets[i], entry) == EnqueueOutcome.MustWait)
            {
                return PublishSlowAsync(targets, i, entry);
            }
        }

        entry.Release();
        return default;
    }

    /// <summary>A reader started a leased enumeration: from now on the loop puts payloads in pooled buffers for it.</summary>
    public void MarkLeased(ReaderQueue queue)
    {
        lock (_gate)
        {
            if (!queue.IsLeased && Array.IndexOf(_readers, queue) >= 0)
            {
                queue.IsLeased = true;
                _leasedReaders++;
            }
        }
    }

    public void Unsubscribe(ReaderQueue queue)
    {
        lock (_gate)
        {
            var index = Array.IndexOf(_readers, queue);
            if (index >= 0)
            {
                var next = new ReaderQueue[_readers.Length - 1];
                Array.Copy(_readers, 0, next, 0, index);
                Array.Copy(_readers, index + 1, next, index, _readers.Length - index - 1);
                Volatile.Write(ref _readers, next);
                if (queue.IsLeased)
                {
                    _leasedReaders--;
                }
            }
        }

        // What the reader left unread is its own choice to drop: free it (and its budget) now.
        queue.Complete(null, discard: true);
    }

    /// <summary>
    /// Hands one message to every reader (or to the unclaimed backlog when there is no reader and no handler). Completes at
    /// once unless a reader under <see cref="OverflowPolicy.Wait"/> is full and the receive budget is used up: then the
    /// receive loop waits (and the caller pauses the liveness clock, since it is the application that is slow).
    /// </summary>
    public ValueTask PublishAsync(in InboundEntry entry, bool hasHandlers)
    {
        // Takes over the caller's reference to a pooled payload; each reader that keeps the message holds its own.
        var readers = Volatile.Read(ref _readers);
        if (readers.Length == 0 && TryHoldUnclaimed(entry, hasHandlers, out readers, out var pending))
        {
            return pending;
        }

        var closed = 0;
        for (var i = 0; i < readers.Length; i++)
        {
            switch (Offer(readers[i], entry))
            {
                case EnqueueOutcome.MustWait:
                    return PublishSlowAsync(readers, i, entry);
                case EnqueueOutcome.Closed:
                    closed++;
                    break;
            }
        }

        // Every reader left while this message was on its way: hold it for the next one rather than lose it (or, if a
        // new reader came meanwhile, hand it to that one).
        if (closed > 0 && closed == readers.Length)
        {
            return TryHoldUnclaimed(entry, hasHandlers, out _, out var held) ? held : PublishAsync(entry, hasHandlers);
        }

        entry.Release();
        return default;
    }

    /// <summary>Ends every reader: normally on stop, with <paramref name="error"/> when the client faulted. Queued messages can still be read.</summary>
    public void CompleteAll(Exception? error)
    {
        ReaderQueue[] readers;
        lock (_gate)
        {
            _completed = true;
            _completionError = error;
            readers = _readers;
            Volatile.Write(ref _readers, []);
            _leasedReaders = 0;
        }

        foreach (var reader in readers)
        {
            reader.Complete(error, discard: false);
        }
    }

    /// <summary>
    /// With no reader attached, holds the message in the unclaimed backlog. The offer happens under the hub's lock, the
    /// same lock <see cref="Subscribe"/> takes to hand the backlog over, so a message can never land in the backlog just
    /// after a new reader took it (and sit there unseen). Returns <see langword="false"/> with the current readers when
    /// one subscribed meanwhile; the caller then publishes to them.
    /// </summary>
    private bool TryHoldUnclaimed(in InboundEntry entry, bool hasHandlers, out ReaderQueue[] readers, out ValueTask pending)
    {
        pending = default;
        Task room;
        lock (_gate)
        {
            readers = _readers;
            if (readers.Length > 0)
            {
                return false;
            }

            if (hasHandlers || _completed)
            {
                entry.Release(); // a handler saw it; after the end there is no one to hold it for
                return true;
            }

            if (Offer(_unclaimed, entry) != EnqueueOutcome.MustWait)
            {
                entry.Release();
                return true;
            }

            room = _unclaimed.WaitForRoomAsync();
        }

        pending = HoldWhenRoomAsync(room, entry, hasHandlers);
        return true;
    }

    private async ValueTask HoldWhenRoomAsync(Task room, InboundEntry entry, bool hasHandlers)
    {
        WakeReaders();
        await room.ConfigureAwait(false);
        await PublishAsync(entry, hasHandlers).ConfigureAwait(false);
    }

    /// <summary>Offers the entry to one reader and reports what the reader's policy dropped.</summary>
    private EnqueueOutcome Offer(ReaderQueue reader, in InboundEntry entry)
    {
        var alreadyDeferred = reader.WakeDeferred;
        var outcome = reader.TryEnqueue(entry, out var evicted, deferWake: true);
        if (!alreadyDeferred && reader.WakeDeferred)
        {
            if (_deferredCount == _deferred.Length)
            {
                Array.Resize(ref _deferred, _deferred.Length * 2);
            }

            _deferred[_deferredCount++] = reader;
        }

        switch (outcome)
        {
            case EnqueueOutcome.Refused:
                _onDropped(reader.Name, entry.MessageType, entry.Length);
                break;
            case EnqueueOutcome.EnqueuedEvictingOldest:
            case EnqueueOutcome.EnqueuedEvictingNewest:
                _onDropped(reader.Name, evicted.MessageType, evicted.Length);
                if (evicted.Charged)
                {
                    _budget.Release(evicted.Length);
                }

                evicted.Release();
                break;
        }

        return outcome;
    }

    // A reader slower than the link under Wait makes this the path while the budget is used up.
#if NET
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
#endif
    private async ValueTask PublishSlowAsync(ReaderQueue[] readers, int from, InboundEntry entry)
    {
        try
        {
            for (var i = from; i < readers.Length; i++)
            {
                while (Offer(readers[i], entry) == EnqueueOutcome.MustWait)
                {
                    WakeReaders(); // the reader we wait for must be awake to make room
                    await readers[i].WaitForRoomAsync().ConfigureAwait(false);
                }
            }
        }
        finally
        {
            entry.Release();
        }
    }
}
