using System;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Internal;

namespace ResilientSockets.Framing;

/// <summary>
/// A frame that was larger than the receive limit and was read through without being kept: what is left is its header
/// (when it arrived whole) and its length, enough to tell its sender which transfer failed and why.
/// </summary>
internal sealed class DiscardedFrame
{
    private readonly byte[] _header;
    private readonly int _headerLength;

    private DiscardedFrame(byte[] header, int headerLength, long length)
    {
        _header = header;
        _headerLength = headerLength;
        Length = length;
    }

    /// <summary>Gets the frame's length in bytes.</summary>
    public long Length { get; }

    /// <summary>Gets the transfer id, when the first 24 bytes (magic through transfer id) arrived.</summary>
    public Guid? TransferId => _headerLength >= 24 ? ChunkFrameCodec.ReadGuid(_header.AsSpan(8, 16)) : null;

    /// <summary>Gets the kind byte as sent (it may be no kind at all).</summary>
    public ChunkFrameKind Kind => _headerLength > 3 ? (ChunkFrameKind)_header[3] : 0;

    /// <summary>
    /// Reads the rest of a frame message that has passed the message limit, reusing <paramref name="buffer"/> for the
    /// discarded bytes, so memory stays at the reader's buffer however large the frame is.
    /// </summary>
    /// <param name="socket">The socket, positioned inside the message.</param>
    /// <param name="buffer">The reader's buffer; its first <paramref name="length"/> bytes are the start of the message.</param>
    /// <param name="length">The bytes of the message read so far.</param>
    /// <param name="endOfMessage">Whether the last read already ended the message.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The discarded frame, or <see langword="null"/> if the peer closed the connection inside it.</returns>
    public static async ValueTask<DiscardedFrame?> DrainAsync(WebSocket socket, byte[] buffer, int length, bool endOfMessage, CancellationToken cancellationToken)
    {
        var header = new byte[ChunkFrameCodec.HeaderSize];
        var have = Math.Min(length, header.Length);
        buffer.AsSpan(0, have).CopyTo(header);
        long total = length;
        while (!endOfMessage)
        {
            var (count, type, end) = await WebSocketIo.ReceiveAsync(socket, buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
            if (type == WebSocketMessageType.Close)
            {
                return null;
            }

            if (have < header.Length)
            {
                var take = Math.Min(count, header.Length - have);
                buffer.AsSpan(0, take).CopyTo(header.AsSpan(have));
                have += take;
            }

            total += count;
            endOfMessage = end;
        }

        return new DiscardedFrame(header, have, total);
    }
}
