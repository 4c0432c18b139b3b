using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ResilientSockets.Sessions;

/// <summary>
/// One client's session across its connections: the id, both sequence counters, and the sent frames kept until the
/// server acknowledges them (pooled arrays holding header and payload, replayed as they are after a reconnect).
/// </summary>
internal sealed partial class SessionState
{
    private readonly object _gate = new();
    private readonly ReliableSessionOptions _options;
    private readonly Queue<Kept> _kept = new();
    private readonly FramePool _frames = new();
    private readonly List<(ulong Sequence, TaskCompletionSource<bool> Waiter)> _ackWaiters = [];
    private TaskCompletionSource<bool>? _roomWaiter;
    private Guid _id;
    private ulong _nextSequence = 1;
    private ulong _acknowledged;
    private long _delivered; // a ulong sequence, stored as long for Interlocked on netstandard2.0
    private long _keptBytes;
    private bool _ended;
    private bool _restored;
    private int _restoredInbound;

    public SessionState(ReliableSessionOptions options) => _options = options;

    /// <summary>Gets or sets what runs when acks free durable messages: the highest outbox id acknowledged (outbox ids rise with sequences).</summary>
    public Action<long>? DurableAcknowledged { get; set; }

    /// <summary>Gets or sets the outbox's persisted sequence mapping, written before DATA frames when it changes (durable outbox only).</summary>
    public Outbox.SessionCheckpoint? Checkpoint { get; set; }

    /// <summary>Gets the sequence the next DATA frame will carry; stable while the caller holds the session's write lock.</summary>
    public ulong NextSequence
    {
        get
        {
            lock (_gate)
            {
                return _nextSequence;
            }
        }
    }

    public Guid Id
    {
        get
        {
            lock (_gate)
            {
                return _id;
            }
        }
    }

    /// <summary>Gets the highest sequence received from the server and handed on (what HELLO reports).</summary>
    public ulong Delivered => (ulong)Interlocked.Read(ref _delivered);

    public int UnacknowledgedCount
    {
        get
        {
            lock (_gate)
            {
                return _kept.Count;
            }
        }
    }

    public long UnacknowledgedBytes => Interlocked.Read(ref _keptBytes);

    /// <summary>Gets the highest sequence sent so far (0 before the first).</summary>
    public ulong HighestSent
    {
        get
        {
            lock (_gate)
            {
                return _nextSequence - 1;
            }
        }
    }

    /// <summary>Gets a value indicating whether another message may be sent now without passing the replay buffer's bounds.</summary>
    public bool HasRoom
    {
        get
        {
            lock (_gate)
            {
                return HasRoomLocked();
            }
        }
    }

    /// <summary>The id to present in HELLO: empty after the session ended (close 1000, protocol error), so a new one starts.</summary>
    public Guid IdForHello
    {
        get
        {
            lock (_gate)
            {
                return _ended ? Guid.Empty : _id;
            }
        }
    }

    /// <summary>Completes when one more message may be sent (the server acknowledged enough).</summary>
    public Task WaitForRoomAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (HasRoomLocked())
            {
                return Task.CompletedTask;
            }

            _roomWaiter ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            return cancellationToken.CanBeCanceled ? Internal.TaskHelpers.WaitAsync(_roomWaiter.Task, cancellationToken) : _roomWaiter.Task;
        }
    }

    /// <summary>Assigns the next sequence and keeps a copy of the whole DATA frame (header + payload) for replay.</summary>
    public (ulong Sequence, ReadOnlyMemory<byte> Frame) Keep(ReadOnlySpan<byte> payload, bool isText, long outboxId = 0)
    {
        var length = SessionFrameCodec.HeaderSize + payload.Length;
        lock (_gate)
        {
            var frame = _frames.Allocate(length);
            var span = frame.Memory.Span;
            payload.CopyTo(span.Slice(SessionFrameCodec.HeaderSize));
            var sequence = _nextSequence++;
            SessionFrameCodec.WriteDataHeader(span, sequence, isText);
            _kept.Enqueue(new Kept(sequence, frame, outboxId));
            _keptBytes += length;
            return (sequence, frame.Memory);
        }
    }

    /// <summary>The write of the newest kept frame failed before it reached the kernel: forget it (the client's queue sends the message again).</summary>
    public void Unkeep(ulong sequence)
    {
        lock (_gate)
        {
            if (_nextSequence - 1 != sequence || _kept.Count == 0)
            {
                throw new InvalidOperationException($"Only the newest frame can be withdrawn (asked {sequence}, newest {_nextSequence - 1}). This is a bug in ResilientSockets.");
            }

            // Rebuild without the newest: withdrawals are rare (a write failing as the link dies).
            var all = _kept.ToArray();
            _kept.Clear();
            for (var i = 0; i < all.Length - 1; i++)
            {
                _kept.Enqueue(all[i]);
            }

            var withdrawn = all[^1];
            _keptBytes -= withdrawn.Length;
            _nextSequence--;
            _frames.Withdraw(withdrawn.Storage);
        }
    }

    /// <summary>The server received everything up to <paramref name="sequence"/>: free those frames and wake their waiters.</summary>
    /// <exception cref="SessionProtocolException">The server acknowledged a sequence never sent.</exception>
    public void OnAcknowledged(ulong sequence)
    {
        List<TaskCompletionSource<bool>>? done = null;
        TaskCompletionSource<bool>? room = null;
        long durable = 0;
        lock (_gate)
        {
            if (sequence >= _nextSequence)
            {
                throw new SessionProtocolException($"The server acknowledged sequence {sequence}, but the highest sent is {_nextSequence - 1}.");
            }

            if (sequence <= _acknowledged)
            {
                return; // stale: a later ack already covered it
            }

            _acknowledged = sequence;
            while (_kept.Count > 0 && _kept.Peek().Sequence <= sequence)
            {
                var kept = _kept.Dequeue();
                durable = Math.Max(durable, kept.OutboxId);
                _keptBytes -= kept.Length;
                _frames.Release(kept.Storage);
            }

            for (var i = _ackWaiters.Count - 1; i >= 0; i--)
            {
                if (_ackWaiters[i].Sequence <= sequence)
                {
                    (done ??= []).Add(_ackWaiters[i].Waiter);
                    _ackWaiters.RemoveAt(i);
                }
            }

            if (_roomWaiter is not null && HasRoomLocked())
            {
                room = _roomWaiter;
                _roomWaiter = null;
            }
        }

        if (durable > 0)
        {
            DurableAcknowledged?.Invoke(durable);
        }

        room?.TrySetResult(true);
        if (done is not null)
        {
            foreach (var waiter in done)
            {
                waiter.TrySetResult(true);
            }
        }
    }

    /// <summary>Completes when the server acknowledged <paramref name="sequence"/>; fails with <see cref="SessionLostException"/> if the session is lost first.</summary>
    public Task WaitForAcknowledgementAsync(ulong sequence, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (sequence <= _acknowledged)
            {
                return Task.CompletedTask;
            }

            var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _ackWaiters.Add((sequence, waiter));
            return cancellationToken.CanBeCanceled ? Internal.TaskHelpers.WaitAsync(waiter.Task, cancellationToken) : waiter.Task;
        }
    }

    /// <summary>Frames to replay after a resume: every kept frame above what the server reports received, in order.</summary>
    public List<Kept> ToReplay(ulong serverReceived)
    {
        lock (_gate)
        {
            if (_restored)
            {
                // This run sent nothing yet: the server's count is where this run's sequences go on.
                _restored = false;
                _nextSequence = serverReceived + 1;
                _acknowledged = serverReceived;
                Interlocked.Exchange(ref _restoredInbound, 1);
                return [];
            }
        }

        OnAcknowledged(serverReceived);
        lock (_gate)
        {
            return [.. _kept];
        }
    }

    /// <summary>Classifies an incoming DATA sequence: the next one, a duplicate, or a gap.</summary>
    public SequenceVerdict Check(ulong sequence)
    {
        if (Volatile.Read(ref _restoredInbound) == 1 && Interlocked.Exchange(ref _restoredInbound, 0) == 1 && sequence > 0)
        {
            // The first DATA after a restart: whatever the server no longer keeps was acknowledged, so delivered, by the earlier run.
            Interlocked.Exchange(ref _delivered, (long)(sequence - 1));
        }

        var delivered = (ulong)Interlocked.Read(ref _delivered);
        return sequence <= delivered ? SequenceVerdict.Duplicate
            : sequence == delivered + 1 ? SequenceVerdict.Next
            : SequenceVerdict.Gap;
    }

    /// <summary>A whole DATA message was read and handed on.</summary>
    public void MarkDelivered(ulong sequence) => Interlocked.Exchange(ref _delivered, (long)sequence);

    /// <summary>The session ended (close 1000, protocol error): the next connection starts a new one and reports this one lost.</summary>
    public void MarkEnded()
    {
        lock (_gate)
        {
            _ended = true;
        }
    }

    /// <summary>
    /// Applies a WELCOME for a new session. Returns the lost session's id and how many sent messages were unacknowledged
    /// when this client had a session before (the server no longer had it, or it ended), or null for a first session.
    /// </summary>
    public (Guid LostId, int Unacknowledged)? StartNew(Guid id)
    {
        List<TaskCompletionSource<bool>> waiters;
        TaskCompletionSource<bool>? room;
        (Guid, int)? lost = null;
        lock (_gate)
        {
            if (_id != Guid.Empty)
            {
                lost = (_id, _kept.Count);
            }

            foreach (var kept in _kept)
            {
                _frames.Release(kept.Storage);
            }

            _kept.Clear();
            _keptBytes = 0;
            _id = id;
            _nextSequence = 1;
            _acknowledged = 0;
            Interlocked.Exchange(ref _delivered, 0);
            Interlocked.Exchange(ref _restoredInbound, 0);
            _ended = false;
            _restored = false;
            waiters = [.. _ackWaiters.ConvertAll(w => w.Waiter)];
            _ackWaiters.Clear();
            room = _roomWaiter;
            _roomWaiter = null;
        }

        room?.TrySetResult(true);
        if (lost is { } info)
        {
            var error = new SessionLostException(info.Item1, info.Item2);
            foreach (var waiter in waiters)
            {
                waiter.TrySetException(error);
            }
        }

        return lost;
    }

    /// <summary>The client stopped or faulted: acknowledged sends still waiting fail with <paramref name="error"/>; pooled frames go back.</summary>
    public void Fail(Exception error)
    {
        List<TaskCompletionSource<bool>> waiters;
        TaskCompletionSource<bool>? room;
        lock (_gate)
        {
            waiters = [.. _ackWaiters.ConvertAll(w => w.Waiter)];
            _ackWaiters.Clear();
            room = _roomWaiter;
            _roomWaiter = null;
            foreach (var kept in _kept)
            {
                _frames.Release(kept.Storage);
            }

            _kept.Clear();
            _keptBytes = 0;
        }

        room?.TrySetException(error);
        foreach (var waiter in waiters)
        {
            waiter.TrySetException(error);
        }
    }

    private bool HasRoomLocked() => _kept.Count < _options.MaxUnacknowledgedMessages && (_kept.Count == 0 || _keptBytes < _options.MaxUnacknowledgedBytes);

    /// <summary>A sent DATA frame kept for replay.</summary>
    internal readonly record struct Kept(ulong Sequence, KeptFrame Storage, long OutboxId)
    {
        public ReadOnlyMemory<byte> Frame => Storage.Memory;

        public int Length => Storage.Memory.Length;
    }
}
