using System;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace ResilientSockets.Receiving;

/// <summary>
/// One reader's queue: a ring of entries under a lock, one waiting reader at a time. The reader is woken once when the
/// queue goes from empty to non-empty and then drains every waiting message without waiting again, so a burst costs one
/// wake-up, not one per message. Continuations never run on the receive loop (they are queued to the thread pool), so
/// a reader's code can never stall or deadlock the socket.
/// </summary>
internal sealed class ReaderQueue : IValueTaskSource<bool>
{
    private readonly object _gate = new();
    private readonly ReceiveBudget _budget;
    private InboundEntry[] _ring = []; // allocated at the first message: an idle client's backlog costs nothing
    private int _head;
    private int _count;
    private ManualResetValueTaskSourceCore<bool> _waiter = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _waiterCancellation;
    private CancellationToken _waiterToken;
    private bool _readerWaiting;
    private TaskCompletionSource<bool>? _roomWaiter;
    private bool _completed;
    private Exception? _completionError;
    private int _wakeUps;

    public ReaderQueue(string name, int capacity, OverflowPolicy policy, ReceiveBudget budget)
    {
        Name = name;
        Capacity = capacity;
        Policy = policy;
        _budget = budget;
    }

    public string Name { get; }

    public int Capacity { get; }

    public OverflowPolicy Policy { get; }

    /// <summary>Gets or sets a value indicating whether this reader hands out pooled payloads (so the loop should pool them). Changed under the hub's lock.</summary>
    public bool IsLeased { get; set; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Gets how often a waiting reader was woken (for tests: a burst is one wake-up).</summary>
    internal int WakeUps => Volatile.Read(ref _wakeUps);

    /// <summary>Gets a value indicating whether a waiting reader's wake-up was put off (see <see cref="TryEnqueue"/>); the receive loop's thread only.</summary>
    public bool WakeDeferred { get; private set; }

    /// <summary>
    /// Offers a message. The queue takes its own reference to a pooled payload only when it keeps the message. With
    /// <paramref name="deferWake"/>, a waiting reader is not woken yet: the receive loop wakes it once for the batch it
    /// is reading (<see cref="WakeIfDeferred"/>), so a flood costs one thread-pool hop per batch, not per message.
    /// </summary>
    public EnqueueOutcome TryEnqueue(in InboundEntry entry, out InboundEntry evicted, bool deferWake = false)
    {
        evicted = default;
        var outcome = EnqueueOutcome.Enqueued;
        var wake = false;
        lock (_gate)
        {
            if (_completed)
            {
                return EnqueueOutcome.Closed;
            }

            var item = entry;
            if (_count >= Capacity)
            {
                switch (Policy)
                {
                    case OverflowPolicy.Wait:
                        if (!_budget.TryCharge(entry.Length))
                        {
                            return EnqueueOutcome.MustWait;
                        }

                        item = entry.AsCharged();
                        break;
                    case OverflowPolicy.Reject:
                        return EnqueueOutcome.Refused;
                    case OverflowPolicy.DropOldest:
                        evicted = RemoveAt(_head);
                        outcome = EnqueueOutcome.EnqueuedEvictingOldest;
                        break;
                    default:
                        evicted = RemoveAt((_head + _count - 1) % _ring.Length);
                        outcome = EnqueueOutcome.EnqueuedEvictingNewest;
                        break;
                }
            }

            if (_count == _ring.Length)
            {
                GrowRing();
            }

            item.Shared?.AddReference();
            _ring[(_head + _count) % _ring.Length] = item;
            _count++;
            if (_readerWaiting)
            {
                if (deferWake)
                {
                    WakeDeferred = true;
                }
                else
                {
                    _readerWaiting = false;
                    wake = true;
                }
            }
        }

        if (wake)
        {
            Wake(true, null);
        }

        return outcome;
    }

    /// <summary>Wakes a reader whose wake-up <see cref="TryEnqueue"/> put off.</summary>
    public void WakeIfDeferred()
    {
        var wake = false;
        lock (_gate)
        {
            WakeDeferred = false;
            if (_readerWaiting && _count > 0)
            {
                _readerWaiting = false;
                wake = true;
            }
        }

        if (wake)
        {
            Wake(true, null);
        }
    }

    /// <summary>Takes the oldest message; the caller owns the entry's reference.</summary>
    public bool TryDequeue(out InboundEntry entry)
    {
        TaskCompletionSource<bool>? room = null;
        lock (_gate)
        {
            if (_count == 0)
            {
                entry = default;
                return false;
            }

            entry = _ring[_head];
            _ring[_head] = default;
            _head = (_head + 1) % _ring.Length;
            _count--;
            // The loop waiting for room resumes once the reader has worked through half its capacity, not at the first
            // free slot: one pause per half-queue rather than one per message while the reader is the bottleneck.
            if (_roomWaiter is not null && _count <= Capacity / 2)
            {
                room = _roomWaiter;
                _roomWaiter = null;
            }
        }

        if (entry.Charged)
        {
            _budget.Release(entry.Length);
        }

        room?.TrySetResult(true);
        return true;
    }

    /// <summary>Completes when the reader is below capacity (or has ended): the receive loop's wait under <see cref="OverflowPolicy.Wait"/>.</summary>
    public Task WaitForRoomAsync()
    {
        lock (_gate)
        {
            if (_completed || _count < Capacity)
            {
                return Task.CompletedTask;
            }

            _roomWaiter ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            return _roomWaiter.Task;
        }
    }

    /// <summary>Completes with <see langword="true"/> when a message is waiting, <see langword="false"/> when the reader has ended.</summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_count > 0)
            {
                return new ValueTask<bool>(true);
            }

            if (_completed)
            {
                return _completionError is null ? new ValueTask<bool>(false) : new ValueTask<bool>(Task.FromException<bool>(_completionError));
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return new ValueTask<bool>(Task.FromCanceled<bool>(cancellationToken));
            }

            if (_readerWaiting)
            {
                throw new InvalidOperationException($"Reader '{Name}' is already being waited on: a reader supports one enumeration at a time.");
            }

            _waiter.Reset();
            _readerWaiting = true;
            _waiterToken = cancellationToken;
            if (cancellationToken.CanBeCanceled)
            {
                _waiterCancellation = cancellationToken.Register(static s => ((ReaderQueue)s!).CancelWait(), this);
            }

            return new ValueTask<bool>(this, _waiter.Version);
        }
    }

    /// <summary>Ends the reader: a waiting reader is woken; messages already queued can still be read (unless <paramref name="discard"/>).</summary>
    public void Complete(Exception? error, bool discard)
    {
        TaskCompletionSource<bool>? room;
        bool wake;
        lock (_gate)
        {
            if (!_completed)
            {
                _completed = true;
                _completionError = error;
            }

            room = _roomWaiter;
            _roomWaiter = null;
            wake = _readerWaiting;
            _readerWaiting = false;
            if (discard)
            {
                while (_count > 0)
                {
                    var entry = RemoveAt(_head);
                    if (entry.Charged)
                    {
                        _budget.Release(entry.Length);
                    }

                    entry.Release();
                }
            }
        }

        room?.TrySetResult(true);
        if (wake)
        {
            if (error is null)
            {
                Wake(false, null);
            }
            else
            {
                Wake(false, error);
            }
        }
    }

    /// <summary>Moves every waiting message into <paramref name="target"/> (an unclaimed backlog handed to the first reader).</summary>
    public void TransferTo(ReaderQueue target)
    {
        lock (_gate)
        {
            while (_count > 0)
            {
                var entry = _ring[_head];
                _ring[_head] = default;
                _head = (_head + 1) % _ring.Length;
                _count--;
                target.Adopt(entry);
            }

            _roomWaiter?.TrySetResult(true);
            _roomWaiter = null;
        }
    }

    bool IValueTaskSource<bool>.GetResult(short token)
    {
        try
        {
            return _waiter.GetResult(token);
        }
        finally
        {
            // Disposing the registration here, not under the lock: its callback takes the lock.
            var registration = _waiterCancellation;
            _waiterCancellation = default;
            registration.Dispose();
        }
    }

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _waiter.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _waiter.OnCompleted(continuation, state, token, flags);

    // Adopting keeps the entry's reference and budget charge: ownership moves, nothing is copied.
    private void Adopt(in InboundEntry entry)
    {
        lock (_gate)
        {
            if (_count == _ring.Length)
            {
                GrowRing();
            }

            _ring[(_head + _count) % _ring.Length] = entry;
            _count++;
        }
    }

    private void CancelWait()
    {
        lock (_gate)
        {
            if (!_readerWaiting)
            {
                return;
            }

            _readerWaiting = false;
        }

        _waiter.SetException(new OperationCanceledException(_waiterToken));
    }

    private void Wake(bool result, Exception? error)
    {
        Interlocked.Increment(ref _wakeUps);
        if (error is null)
        {
            _waiter.SetResult(result);
        }
        else
        {
            _waiter.SetException(error);
        }
    }

    private InboundEntry RemoveAt(int index)
    {
        var entry = _ring[index];
        if (index == _head)
        {
            _ring[_head] = default;
            _head = (_head + 1) % _ring.Length;
        }
        else
        {
            // Only the newest is ever removed from anywhere but the head.
            _ring[index] = default;
        }

        _count--;
        return entry;
    }

    private void GrowRing()
    {
        var next = new InboundEntry[_ring.Length == 0 ? Math.Min(Capacity, 16) : _ring.Length * 2];
        for (var i = 0; i < _count; i++)
        {
            next[i] = _ring[(_head + i) % _ring.Length];
        }

        _ring = next;
        _head = 0;
    }
}
