using System;
using System.Buffers;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace ResilientSockets.Sending;

/// <summary>
/// One accepted message and its caller's pending result. Its state moves Queued → Writing → Done, or Queued → Done when
/// it is cancelled, expires, is evicted or the client ends; every move is a compare-and-swap, so exactly one party
/// completes it and the payload is never touched after the caller has been released.
/// </summary>
/// <remarks>
/// Messages a caller awaits come from <see cref="OutboundMessagePool"/>, so the queued send path allocates nothing. Such
/// a message has two owners, the awaiting caller and the queue, and goes back to the pool only when both have let go:
/// the caller when it reads the result, the queue when the send loop, an eviction or the final drain is done with it
/// (or at once if it never got in). A message with a time-to-live is never pooled: its timer callback may still be
/// running after the timer is disposed, and must not find the object reused.
/// </remarks>
internal sealed class OutboundMessage : IValueTaskSource
{
    private const int Queued = 0;
    private const int Writing = 1;
    private const int Done = 2;

    private ManualResetValueTaskSourceCore<bool> _core;
    private int _state;
    private int _owners;
    private bool _poolable;
    private byte[]? _rented;
    private CancellationTokenRegistration _cancellation;
    private ITimer? _expiry;

    /// <summary>Initializes a message nobody awaits (posted), which is never pooled.</summary>
    public OutboundMessage(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, byte[]? rented)
    {
        _core.RunContinuationsAsynchronously = true;
        Reset(payload, messageType, rented, poolable: false);
    }

    public ReadOnlyMemory<byte> Payload { get; private set; }

    public WebSocketMessageType MessageType { get; private set; }

    public int Length { get; private set; }

    /// <summary>Gets or sets a value indicating whether this is a flush marker: nothing is written; it completes when it reaches the head of the queue.</summary>
    public bool IsFlushMarker { get; set; }

    public ValueTask AsValueTask() => new(this, _core.Version);

    /// <summary>Makes a pooled (or new) message ready for an awaiting caller: owned by that caller and by the queue.</summary>
    internal void Reset(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, byte[]? rented, bool poolable)
    {
        Payload = payload;
        MessageType = messageType;
        Length = payload.Length;
        IsFlushMarker = false;
        _rented = rented;
        _poolable = poolable;
        _owners = 2;
        _cancellation = default;
        _expiry = null;
        Volatile.Write(ref _state, Queued);
    }

    /// <summary>The queue's side lets go: the send loop, an eviction or the drain is done with it, or it never got in.</summary>
    public void ReleaseFromQueue() => ReleaseOwner();

    /// <summary>Arms caller cancellation and expiry; either fails the message only while it is still queued.</summary>
    public void Arm(CancellationToken cancellationToken, TimeSpan? timeToLive, TimeProvider time, Action<OutboundMessage> onExpired)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.Register(
                static s =>
                {
                    var (message, token) = ((OutboundMessage, CancellationToken))s!;
                    message.TryFail(new OperationCanceledException(token));
                },
                (this, cancellationToken));
        }

        if (timeToLive is { } ttl)
        {
            _poolable = false;
            _expiry = time.CreateTimer(
                static s =>
                {
                    var (message, report) = ((OutboundMessage, Action<OutboundMessage>))s!;
                    if (message.TryFail(new MessageNotSentException(MessageDropReason.Expired, $"The message expired: it was not written within its time-to-live.")))
                    {
                        report(message);
                    }
                },
                (this, onExpired),
                ttl,
                Timeout.InfiniteTimeSpan);
        }
    }

    public bool TryBeginWrite() => Interlocked.CompareExchange(ref _state, Writing, Queued) == Queued;

    /// <summary>The write failed because the link dropped: the message is queued again, ahead of the rest.</summary>
    public void ReturnToQueue() => Volatile.Write(ref _state, Queued);

    public void CompleteWritten()
    {
        Volatile.Write(ref _state, Done);
        Release();
        _core.SetResult(true);
    }

    public bool TryFail(Exception error)
    {
        if (Interlocked.CompareExchange(ref _state, Done, Queued) != Queued)
        {
            return false;
        }

        Release();
        _core.SetException(error);
        return true;
    }

    void IValueTaskSource.GetResult(short token)
    {
        if (token != _core.Version)
        {
            _core.GetResult(token); // throws: a stale or second await must not release the message again
        }

        try
        {
            _core.GetResult(token);
        }
        finally
        {
            ReleaseOwner();
        }
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);

    private void ReleaseOwner()
    {
        if (_poolable && Interlocked.Decrement(ref _owners) == 0)
        {
            _core.Reset(); // the payload was already let go when the message completed (Release)
            OutboundMessagePool.Return(this);
        }
    }

    private void Release()
    {
        _cancellation.Dispose();
        _expiry?.Dispose();
        Payload = default;
        if (Interlocked.Exchange(ref _rented, null) is { } rented)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
