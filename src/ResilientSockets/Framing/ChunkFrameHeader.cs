using System;

namespace ResilientSockets;

/// <summary>The fixed 44-byte header of a chunked-transfer frame. See the README for the byte layout.</summary>
public readonly struct ChunkFrameHeader
{
    /// <summary>Initializes a header.</summary>
    /// <param name="kind">The frame kind.</param>
    /// <param name="transferId">The transfer the frame belongs to.</param>
    /// <param name="chunkId">The 0-based chunk index (for an Ack: the cumulative count received).</param>
    /// <param name="totalChunks">The number of chunks in the transfer.</param>
    /// <param name="chunkSize">The nominal chunk size: every data chunk but the last carries exactly this many data bytes.</param>
    /// <param name="hasMetadata">Whether the payload starts with a metadata block (data chunk 0 only).</param>
    public ChunkFrameHeader(ChunkFrameKind kind, Guid transferId, uint chunkId, uint totalChunks, uint chunkSize, bool hasMetadata = false)
    {
        Kind = kind;
        TransferId = transferId;
        ChunkId = chunkId;
        TotalChunks = totalChunks;
        ChunkSize = chunkSize;
        HasMetadata = hasMetadata;
        PayloadLength = 0;
        Crc32 = 0;
    }

    internal ChunkFrameHeader(ChunkFrameKind kind, Guid transferId, uint chunkId, uint totalChunks, uint chunkSize, bool hasMetadata, uint payloadLength, uint crc32)
        : this(kind, transferId, chunkId, totalChunks, chunkSize, hasMetadata)
    {
        PayloadLength = payloadLength;
        Crc32 = crc32;
    }

    /// <summary>Gets the frame kind.</summary>
    public ChunkFrameKind Kind { get; }

    /// <summary>Gets the transfer id.</summary>
    public Guid TransferId { get; }

    /// <summary>Gets the 0-based chunk index (for an Ack: the number of chunks received contiguously from 0).</summary>
    public uint ChunkId { get; }

    /// <summary>Gets the number of chunks in the transfer.</summary>
    public uint TotalChunks { get; }

    /// <summary>Gets the nominal chunk size in bytes.</summary>
    public uint ChunkSize { get; }

    /// <summary>Gets a value indicating whether the payload starts with a metadata block.</summary>
    public bool HasMetadata { get; }

    /// <summary>Gets the payload length in bytes (as decoded).</summary>
    public uint PayloadLength { get; }

    /// <summary>Gets the CRC-32 of the payload (as decoded).</summary>
    public uint Crc32 { get; }
}
