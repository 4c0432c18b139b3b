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
    private readonly bool _readThroughOversizedFrames;
    private byte[] _buffer = [];
#if NET
    private bool _busy; // the last message's first read found data at once
#endif
    private Framing.DiscardedFrame? _discardedFrame;

    public MessageReader(WebSocket socket, int maxMessageSize, int bufferSize, bool readThroughOversizedFrames = false)
    {
        _socket = socket;
        _maxMessageSize = maxMessageSize;
        _bufferSize = bufferSize;
        _readThroughOversizedFrames = readThroughOversizedFrames;
    }

    /// <summary>
    /// Takes the frame behind the last <see cref="ReadOutcome.IsTooLarge"/> outcome when that message was a chunk frame
    /// read through and discarded (framing on): the connection is still usable and only its transfer fails.
    /// </summary>
    public Framing.DiscardedFrame? TakeDiscardedFrame()
    {
        var frame = _discardedFrame;
        _discardedFrame = null;
        return frame;
    }

    /// <summary>Gets a value indicating whether the reader holds a pooled buffer right now (it does not while idle).</summary>
    internal bool HoldsBuffer => _buffer.Length > 0;

#if NET
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    public async ValueTask<ReadOutcome> ReadAsync(CancellationToken cancellationToken)
    {
        // The previous outcome's payload is no longer in use: now a buffer grown for one huge message can shrink.
        ShrinkAfterLargeMessage();
        _discardedFrame = null; // only ever describes the outcome just returned
#if NET
        // Wait for the next message with a zero-byte read, and give the buffer back to the pool if that wait does not
        // finish at once: an idle connection then holds no receive buffer (thousands of idle clients add up), while a
        // busy one keeps its buffer and never touches the pool. In a burst (the next message was already waiting) the
        // zero-byte read is skipped, as it is a second runtime call per message on the hottest path; the first direct read
        // that has to wait ends the burst (that one wait holds the buffer), and the reads after it wait empty-handed again.
        var direct = _busy && _buffer.Length > 0;
        if (!direct)
        {
            var waiting = _socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken);
            _busy = waiting.IsCompleted; // data was already waiting: a burst, so read directly next time
            if (!_busy)
            {
                ReleaseBuffer();
            }

            var header = await waiting.ConfigureAwait(false);
            if (header.MessageType == WebSocketMessageType.Close)
            {
                return ReadOutcome.Close(_socket.CloseStatus, _socket.CloseStatusDescription);
            }

            if (header.EndOfMessage)
            {
                return ReadOutcome.Of(header.MessageType, ReadOnlyMemory<byte>.Empty); // an empty message
            }
        }

#endif
        if (_buffer.Length == 0)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(_bufferSize);
        }

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

#if NET
            // The socket's own ValueTask, awaited here: no wrapper state machine per read on the hottest path.
            var receive = _socket.ReceiveAsync(_buffer.AsMemory(length, window), cancellationToken);
            if (length == 0 && direct)
            {
                _busy = receive.IsCompleted;
            }

            var result = await receive.ConfigureAwait(false);
            var (count, type, endOfMessage) = (result.Count, result.MessageType, result.EndOfMessage);
#else
            var (count, type, endOfMessage) = await WebSocketIo.ReceiveAsync(_socket, _buffer.AsMemory(length, window), cancellationToken).ConfigureAwait(false);
#endif
            if (type == WebSocketMessageType.Close)
            {
                return ReadOutcome.Close(_socket.CloseStatus, _socket.CloseStatusDescription);
            }

            length += count;
            if (length > _maxMessageSize)
            {
                if (_readThroughOversizedFrames && type == WebSocketMessageType.Binary && ChunkFrameCodec.IsFrame(_buffer.AsSpan(0, length)))
                {
                    // Framing limits govern frames: read it through in this buffer and fail only its transfer (README, "Frames over the message limit").
                    _discardedFrame = await Framing.DiscardedFrame.DrainAsync(_socket, _buffer, length, endOfMessage, cancellationToken).ConfigureAwait(false);
                    if (_discardedFrame is null)
                    {
                        return ReadOutcome.Close(_socket.CloseStatus, _socket.CloseStatusDescription);
                    }
                }

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
        if (_buffer.Length == 0)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(_bufferSize);
        }

        while (true)
        {
            var (_, type, _) = await WebSocketIo.ReceiveAsync(_socket, _buffer.AsMemory(0, Math.Min(_buffer.Length, _bufferSize)), cancellationToken).ConfigureAwait(false);
            if (type == WebSocketMessageType.Close)
            {
                return ReadOutcome.Close(_socket.CloseStatus, _socket.CloseStatusDescription);
            }
        }
    }

    public void Dispose() => ReleaseBuffer();

    private void ReleaseBuffer()
    {
        var buffer = _buffer;
        _buffer = [];
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
            ReleaseBuffer();
        }
    }
}
