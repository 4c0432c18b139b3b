using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Internal;

namespace ResilientSockets;

/// <summary>
/// Splits a stream into data frames, reading it incrementally: memory is bounded by the frame buffer the caller passes,
/// not by the payload. Usable without the client (for example by a server sending to clients).
/// </summary>
public sealed class ChunkSplitter
{
    private readonly Stream _content;
    private readonly byte[]? _metadataBlock;
    private uint _next;

    /// <summary>Initializes a splitter.</summary>
    /// <param name="content">The payload, read from its current position.</param>
    /// <param name="length">The number of bytes to send (every header carries <c>total_chunks</c>, so it must be known up front).</param>
    /// <param name="chunkSize">Data bytes per chunk.</param>
    /// <param name="metadata">Optional metadata for chunk 0; its <see cref="ChunkMetadata.TotalLength"/> is set to <paramref name="length"/>.</param>
    /// <param name="transferId">The transfer id; a new one when <see langword="null"/>.</param>
    public ChunkSplitter(Stream content, long length, int chunkSize, ChunkMetadata? metadata = null, Guid? transferId = null)
    {
        _content = Guard.NotNull(content);
        if (length < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "The length must not be negative.");
        }

        if (chunkSize is < 1 or > ChunkFrameCodec.MaxChunkSize)
        {
            throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, $"The chunk size must be between 1 and {ChunkFrameCodec.MaxChunkSize}.");
        }

        var chunks = length == 0 ? 1 : ((length - 1) / chunkSize) + 1;
        if (chunks > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "Too many chunks for the format; use a larger chunk size.");
        }

        Length = length;
        ChunkSize = chunkSize;
        TotalChunks = (uint)chunks;
        TransferId = transferId ?? Guid.NewGuid();
        if (metadata is not null)
        {
            metadata.TotalLength = length;
            var encoded = metadata.Encode();
            _metadataBlock = new byte[4 + encoded.Length];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(_metadataBlock, (uint)encoded.Length);
            encoded.CopyTo(_metadataBlock, 4);
        }
    }

    /// <summary>Gets the transfer id.</summary>
    public Guid TransferId { get; }

    /// <summary>Gets the payload length.</summary>
    public long Length { get; }

    /// <summary>Gets the data bytes per chunk.</summary>
    public int ChunkSize { get; }

    /// <summary>Gets the number of chunks.</summary>
    public uint TotalChunks { get; }

    /// <summary>Gets the size of the largest frame this splitter writes (chunk 0 with metadata).</summary>
    public int MaxFrameLength => ChunkFrameCodec.HeaderSize + ChunkSize + (_metadataBlock?.Length ?? 0);

    /// <summary>Gets the id of the next chunk <see cref="ReadFrameAsync"/> will produce; equals <see cref="TotalChunks"/> when done.</summary>
    public uint NextChunkId => _next;

    /// <summary>Gets the number of data bytes in a chunk.</summary>
    /// <param name="chunkId">The chunk id.</param>
    /// <returns>The chunk's data length.</returns>
    public int GetChunkLength(uint chunkId) => (int)Math.Min(ChunkSize, Length - ((long)chunkId * ChunkSize));

    /// <summary>Reads the next chunk from the stream and writes its whole frame into <paramref name="destination"/>.</summary>
    /// <param name="destination">At least <see cref="MaxFrameLength"/> bytes.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The frame length.</returns>
    /// <exception cref="InvalidOperationException">All chunks were already produced.</exception>
    /// <exception cref="EndOfStreamException">The stream ended before <see cref="Length"/> bytes.</exception>
    public async ValueTask<int> ReadFrameAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (_next >= TotalChunks)
        {
            throw new InvalidOperationException("Every chunk has been produced.");
        }

        var chunkId = _next;
        var offset = ChunkFrameCodec.HeaderSize;
        var hasMetadata = chunkId == 0 && _metadataBlock is not null;
        if (hasMetadata)
        {
            _metadataBlock.AsSpan().CopyTo(destination.Span.Slice(offset));
            offset += _metadataBlock!.Length;
        }

        var length = Length == 0 ? 0 : GetChunkLength(chunkId);
        var read = 0;
        while (read < length)
        {
#if NET
            var n = await _content.ReadAsync(destination.Slice(offset + read, length - read), cancellationToken).ConfigureAwait(false);
#else
            var n = await ReadAsync(destination.Slice(offset + read, length - read), cancellationToken).ConfigureAwait(false);
#endif
            if (n == 0)
            {
                throw new EndOfStreamException($"The content ended after {((long)chunkId * ChunkSize) + read} of {Length} bytes.");
            }

            read += n;
        }

        _next++;
        var frame = destination.Slice(0, offset + length);
        return ChunkFrameCodec.EncodeInPlace(new ChunkFrameHeader(ChunkFrameKind.Data, TransferId, chunkId, TotalChunks, (uint)ChunkSize, hasMetadata), frame.Span);
    }

#if !NET
    private async ValueTask<int> ReadAsync(Memory<byte> target, CancellationToken cancellationToken)
    {
        if (System.Runtime.InteropServices.MemoryMarshal.TryGetArray<byte>(target, out var segment))
        {
            return await _content.ReadAsync(segment.Array!, segment.Offset, segment.Count, cancellationToken).ConfigureAwait(false);
        }

        throw new InvalidOperationException("Frame buffers must be array-backed.");
    }
#endif
}
