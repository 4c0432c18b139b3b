using System;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;
using ResilientSockets.Internal;

namespace ResilientSockets.Framing;

/// <summary>What the sender of one transfer learns from the receiver: cumulative acks, an error, or a request to resend after a reconnect.</summary>
/// <remarks>
/// The sending loop is the only waiter, so one reusable value-task source, one ack timer and one cancellation
/// registration serve the whole transfer: waiting for an ack allocates nothing per chunk.
/// </remarks>
internal sealed class OutgoingTransfer : IValueTaskSource<bool>, IDisposable
{
    private readonly object _gate = new();
    private readonly ITimer _ackTimer;
    private readonly TimeSpan _ackTimeout;
    private readonly CancellationToken _cancellationToken;
    private readonly CancellationTokenRegistration _cancellation;
    private ManualResetValueTaskSourceCore<bool> _core;
    private bool _waiting;
    private uint _acked;
    private bool _resend;
    private bool _timedOut;
    private ChunkFrameException? _error;
    private uint _sent;

    public OutgoingTransfer(Guid id, uint totalChunks, TimeSpan ackTimeout, TimeProvider time, CancellationToken cancellationToken)
    {
        Id = id;
        TotalChunks = totalChunks;
        _core.RunContinuationsAsynchronously = true;
        _ackTimeout = ackTimeout;
        _cancellationToken = cancellationToken;
        _ackTimer = time.CreateTimer(static s => ((OutgoingTransfer)s!).OnAckTimeout(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _cancellation = cancellationToken.Register(static s => ((OutgoingTransfer)s!).Wake(), this);
    }

    public Guid Id { get; }

    public uint TotalChunks { get; }

    /// <summary>Gets how many chunks (0..n−1) have been handed to the socket at least once; an honest Ack never exceeds it.</summary>
    public uint Sent => Volatile.Read(ref _sent);

    /// <summary>Records that chunks below <paramref name="count"/> are about to be written; called before the write, so an ack that follows always finds them counted.</summary>
    public void MarkSent(uint count) => Volatile.Write(ref _sent, count);

    public void OnAck(uint contiguous)
    {
        lock (_gate)
        {
            if (contiguous <= _acked)
            {
                return;
            }

            _acked = contiguous;
        }

        Wake();
    }

    public void OnError(ReadOnlySpan<byte> payload)
    {
        var code = (ChunkTransferError)BinaryPrimitives.ReadUInt16BigEndian(payload);
        var reason = Utf8.Decode(payload.Slice(2)); // lenient: the reason is only shown, so bad UTF-8 becomes U+FFFD
        Fail(new ChunkFrameException(code, $"The receiver failed transfer {Id}: {code}: {reason}", Id));
    }

    /// <summary>Fails the transfer: the sending loop throws <paramref name="error"/> at its next wait. The first failure wins.</summary>
    public void Fail(ChunkFrameException error)
    {
        lock (_gate)
        {
            _error ??= error;
        }

        Wake();
    }

    public void RequestResend()
    {
        lock (_gate)
        {
            _resend = true;
        }

        Wake();
    }

    /// <summary>
    /// Waits until acks pass <paramref name="known"/>, a resend is due (reconnect, or no progress within the ack
    /// timeout), or the receiver fails the transfer. Throws <see cref="OperationCanceledException"/> when the
    /// transfer's token fires.
    /// </summary>
#if NET
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    public async ValueTask<(uint Acked, bool Resend)> WaitAsync(uint known)
    {
        // The timeout measures "no progress": it restarts with every wait, as the previous ack was progress.
        _ackTimer.Change(_ackTimeout, Timeout.InfiniteTimeSpan);
        try
        {
            while (true)
            {
                short version;
                lock (_gate)
                {
                    if (_error is not null)
                    {
                        throw _error;
                    }

                    _cancellationToken.ThrowIfCancellationRequested();
                    if (_acked > known || _resend || _timedOut)
                    {
                        var resend = _resend || _timedOut;
                        _resend = false;
                        _timedOut = false;
                        return (_acked, resend);
                    }

                    _core.Reset();
                    version = _core.Version;
                    _waiting = true;
                }

                await new ValueTask<bool>(this, version).ConfigureAwait(false);
            }
        }
        finally
        {
            _ackTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        _cancellation.Dispose();
        _ackTimer.Dispose();
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);

    private void OnAckTimeout()
    {
        lock (_gate)
        {
            _timedOut = true;
        }

        Wake();
    }

    /// <summary>Releases the waiting loop, if it waits; it then re-reads the state under the lock.</summary>
    private void Wake()
    {
        lock (_gate)
        {
            if (!_waiting)
            {
                return;
            }

            _waiting = false;
        }

        _core.SetResult(true);
    }
}
