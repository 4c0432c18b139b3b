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
internal sealed class OutboundMessage : IValueTaskSource
{
    private const int Queued = 0;
    private const int Writing = 1;
    private const int Done = 2;

    private ManualResetValueTaskSourceCore<bool> _core;
    private int _state;
    private byte[]? _rented;
    private CancellationTokenRegistration _cancellation;
    private ITimer? _expiry;

    public OutboundMessage(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, byte[]? rented)
    {
        _core.RunContinuationsAsynchronously = true;
        Payload = payload;
        MessageType = messageType;
        Length = payload.Length;
        _rented = rented;
    }

    public ReadOnlyMemory<byte> Payload { get; private set; }

    public WebSocketMessageType MessageType { get; }

    public int Length { get; }

    public bool IsDone => Volatile.Read(ref _state) == Done;

    public ValueTask AsValueTask() => new(this, _core.Version);

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

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);

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
