using System;
using System.Buffers.Binary;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Internal;

namespace ResilientSockets.Framing;

/// <summary>What the sender of one transfer learns from the receiver: cumulative acks, an error, or a request to resend after a reconnect.</summary>
internal sealed class OutgoingTransfer
{
    private readonly object _gate = new();
    private TaskCompletionSource<bool> _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private uint _acked;
    private bool _resend;
    private ChunkFrameException? _error;

    public OutgoingTransfer(Guid id) => Id = id;

    public Guid Id { get; }

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

        Signal();
    }

    public void OnError(ReadOnlySpan<byte> payload)
    {
        var code = (ChunkTransferError)BinaryPrimitives.ReadUInt16BigEndian(payload);
        var reason = Utf8.Decode(payload.Slice(2));
        lock (_gate)
        {
            _error ??= new ChunkFrameException(code, $"The receiver failed transfer {Id}: {code}: {reason}", Id);
        }

        Signal();
    }

    public void RequestResend()
    {
        lock (_gate)
        {
            _resend = true;
        }

        Signal();
    }

    /// <summary>Waits until acks pass <paramref name="known"/>, a resend is due (reconnect, or no progress within the timeout), or the receiver fails the transfer.</summary>
    public async Task<(uint Acked, bool Resend)> WaitAsync(uint known, TimeSpan ackTimeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var expired = time.DelayAsync(ackTimeout, timeout.Token);
        try
        {
            while (true)
            {
                Task changed;
                lock (_gate)
                {
                    if (_error is not null)
                    {
                        throw _error;
                    }

                    if (_acked > known || _resend)
                    {
                        var resend = _resend;
                        _resend = false;
                        return (_acked, resend);
                    }

                    changed = _changed.Task;
                }

                if (await Task.WhenAny(changed, expired).ConfigureAwait(false) == expired)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    lock (_gate)
                    {
                        return (_acked, true);
                    }
                }
            }
        }
        finally
        {
            timeout.Cancel();
        }
    }

    private void Signal()
    {
        TaskCompletionSource<bool> previous;
        lock (_gate)
        {
            previous = _changed;
            _changed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult(true);
    }
}
