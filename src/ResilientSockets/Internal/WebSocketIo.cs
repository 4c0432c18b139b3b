using System;
using System.Buffers;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace ResilientSockets.Internal;

// The netstandard2.0 WebSocket only takes ArraySegment; this keeps that difference in one place.
internal static class WebSocketIo
{
    public static ValueTask SendAsync(WebSocket socket, ReadOnlyMemory<byte> payload, WebSocketMessageType type, CancellationToken cancellationToken)
    {
#if NET
        return socket.SendAsync(payload, type, endOfMessage: true, cancellationToken);
#else
        if (MemoryMarshal.TryGetArray(payload, out var segment))
        {
            return new ValueTask(socket.SendAsync(segment, type, endOfMessage: true, cancellationToken));
        }

        return SendCopyAsync(socket, payload, type, cancellationToken);
#endif
    }

#if !NET
    private static async ValueTask SendCopyAsync(WebSocket socket, ReadOnlyMemory<byte> payload, WebSocketMessageType type, CancellationToken cancellationToken)
    {
        var rented = ArrayPool<byte>.Shared.Rent(payload.Length);
        try
        {
            payload.CopyTo(rented);
            await socket.SendAsync(new ArraySegment<byte>(rented, 0, payload.Length), type, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
#endif

#if NET
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    public static async ValueTask<(int Count, WebSocketMessageType Type, bool EndOfMessage)> ReceiveAsync(WebSocket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
#if NET
        var result = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
        return (result.Count, result.MessageType, result.EndOfMessage);
#else
        if (!MemoryMarshal.TryGetArray<byte>(buffer, out var segment))
        {
            throw new InvalidOperationException("Receive buffers must be array-backed.");
        }

        var result = await socket.ReceiveAsync(segment, cancellationToken).ConfigureAwait(false);
        return (result.Count, result.MessageType, result.EndOfMessage);
#endif
    }
}
