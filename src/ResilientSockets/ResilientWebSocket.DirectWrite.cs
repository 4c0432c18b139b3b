using System;
using System.Buffers;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Sending;

namespace ResilientSockets;

public sealed partial class ResilientWebSocket
{
    /// <summary>
    /// The fast path: when the link is open, nothing is queued and no one is writing, the caller writes its own frame
    /// under the write lock, skipping the queue hand-off (no allocation when the write completes at once). FIFO holds
    /// because the send loop dequeues only while holding the same lock, and a direct write needs an empty queue.
    /// </summary>
    private bool TryWriteDirect(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, byte[]? rented, out ValueTask pending)
    {
        pending = default;
        if (Volatile.Read(ref _current) is not { } connection || _state.State != ConnectionState.Open || !TryEnterWriteLock(connection))
        {
            return false;
        }

        if (!_queue.IsEmpty || !(_outbox?.HasNothingUnsent ?? true) || _state.State != ConnectionState.Open || connection.IsKilled || !(_session?.HasRoom ?? true))
        {
            connection.WriteLock.Release();
            return false;
        }

        ValueTask write;
        try
        {
            write = WriteFrame(connection, payload, messageType);
        }
#pragma warning disable CA1031 // Any write failure means the link is gone; the message must survive it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            pending = DirectWriteFailed(connection, payload, messageType, rented, ex);
            return true;
        }

        if (write.IsCompletedSuccessfully)
        {
            connection.WriteLock.Release();
            DirectWriteDone(payload.Length, rented);
            return true;
        }

        pending = AwaitDirectWriteAsync(connection, write, payload, messageType, rented);
        return true;
    }

    // Taken whenever a write does not finish at once (large frames, a full socket buffer): pooled, so that is free too.
#if NET
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
#endif
    private async ValueTask AwaitDirectWriteAsync(ConnectionScope connection, ValueTask write, ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, byte[]? rented)
    {
        connection.ArmSendWatchdog();
        try
        {
            await write.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Any write failure means the link is gone; the message must survive it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            connection.DisarmSendWatchdog();
            await DirectWriteFailed(connection, payload, messageType, rented, ex).ConfigureAwait(false);
            return;
        }

        connection.DisarmSendWatchdog();
        connection.WriteLock.Release();
        DirectWriteDone(payload.Length, rented);
    }

    /// <summary>A direct write hit a dead link: the message becomes the head of the queue (first on the next connection), exactly as in the send loop.</summary>
    private ValueTask DirectWriteFailed(ConnectionScope connection, ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, byte[]? rented, Exception error)
    {
        var message = OutboundMessagePool.Rent(payload, messageType, rented);
        var pending = message.AsValueTask();
        _queue.Requeue(message);
        connection.WriteLock.Release();
        OnWriteFailed(error);
        if (error is Outbox.OutboxStoreException storeFailure)
        {
            connection.Kill(storeFailure); // the checkpoint could not be saved: the client faults (see RunConnectionAsync)
        }
        else
        {
            connection.Kill();
        }

        return pending;
    }

    private void DirectWriteDone(int length, byte[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        OnWritten(length);
    }

    private static bool TryEnterWriteLock(ConnectionScope connection)
    {
        try
        {
            return connection.WriteLock.Wait(0);
        }
        catch (ObjectDisposedException)
        {
            return false; // that connection is gone; the queue path applies
        }
    }
}
