using System;
using System.Buffers;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Internal;

namespace ResilientSockets.Receiving;

/// <summary>
/// Reassembles frames into whole messages for one socket, using one pooled buffer that grows up to the message limit.
/// Used by the on-connected hook and then by the receive loop, never by both at once.
/// </summary>
internal sealed class MessageReader : IDisposable
{
    private readonly WebSocket _socket;
    private readonly int _maxMessageSize;
    private readonly int _bufferSize;
    private byte[] _buffer;

    public MessageReader(WebSocket socket, int maxMessageSize, int bufferSize)
    {
        _socket = socket;
        _maxMessageSize = maxMessageSize;
        _bufferSize = bufferSize;
        _buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
    }

    public async ValueTask<ReadOutcome> ReadAsync(CancellationToken cancellationToken)
    {
        // The previous outcome's payload is no longer in use: now a buffer grown for one huge message can shrink.
        ShrinkAfterLargeMessage();
        var length = 0;
        while (true)
        {
            // Room for one byte past the limit, so an oversized message is detected without buffering it.
            var window = Math.Min(_buffer.Length - length, _maxMessageSize + 1 - length);
            if (window == 0)
            {
                Grow(length);
                window = Math.Min(_buffer.Length - length, _maxMessageSize + 1 - length);
            }

            var (count, type, endOfMessage) = await WebSocketIo.ReceiveAsync(_socket, _buffer.AsMemory(length, window), cancellationToken).ConfigureAwait(false);
            if (type == WebSocketMessageType.Close)
            {
                return ReadOutcome.Close(_socket.CloseStatus, _socket.CloseStatusDescription);
            }

            length += count;
            if (length > _maxMessageSize)
            {
                return ReadOutcome.TooLarge();
            }

            if (endOfMessage)
            {
                return ReadOutcome.Of(type, _buffer.AsMemory(0, length));
            }
        }
    }

    /// <summary>Reads and discards until the server's close frame arrives (after we sent ours).</summary>
    public async ValueTask<ReadOutcome> DrainUntilCloseAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var (_, type, _) = await WebSocketIo.ReceiveAsync(_socket, _buffer.AsMemory(0, Math.Min(_buffer.Length, _bufferSize)), cancellationToken).ConfigureAwait(false);
            if (type == WebSocketMessageType.Close)
            {
                return ReadOutcome.Close(_socket.CloseStatus, _socket.CloseStatusDescription);
            }
        }
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = Array.Empty<byte>();
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Grow(int length)
    {
        var next = ArrayPool<byte>.Shared.Rent(Math.Min(Math.Max(_buffer.Length * 2, length + _bufferSize), _maxMessageSize + 1));
        _buffer.AsSpan(0, length).CopyTo(next);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = next;
    }

    private void ShrinkAfterLargeMessage()
    {
        // One huge message must not pin a huge buffer for the rest of the connection.
        if (_buffer.Length > 4 * _bufferSize)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(_bufferSize);
        }
    }
}
