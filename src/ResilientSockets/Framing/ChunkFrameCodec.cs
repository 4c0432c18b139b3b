using System;
using System.Buffers.Binary;
using ResilientSockets.Framing;

namespace ResilientSockets;

/// <summary>
/// Encodes and decodes chunked-transfer frames (wire format version 1, documented byte by byte in the README).
/// Allocation-free; usable on any <see cref="System.Net.WebSockets.WebSocket"/>, client or server.
/// </summary>
/// <remarks>
/// Every binary WebSocket message that starts with the magic bytes <c>0x52 0x53</c> ("RS") is a frame when framing is
/// on; an ordinary binary message must not start with them (the client refuses to send one).
/// </remarks>
public static class ChunkFrameCodec
{
    /// <summary>The header size in bytes.</summary>
    public const int HeaderSize = 44;

    /// <summary>The wire format version this codec reads and writes.</summary>
    public const byte Version = 1;

    /// <summary>The largest chunk size the format allows (16 MiB).</summary>
    public const int MaxChunkSize = 16 * 1024 * 1024;

    /// <summary>The largest metadata block the format allows (64 KiB).</summary>
    public const int MaxMetadataSize = 64 * 1024;

    /// <summary>The largest error-frame payload (code and reason).</summary>
    public const int MaxErrorPayload = 1024;

    internal const byte Magic0 = 0x52;
    internal const byte Magic1 = 0x53;
    private const byte MetadataFlag = 0x01;

    // Magic, version, kind, flags, reserved and transfer id: the same in every version of the format.
    private const int TransferIdEnd = 24;

    /// <summary>Tells whether a binary message is a frame (starts with the magic bytes). It may still be malformed.</summary>
    /// <param name="message">The whole binary message.</param>
    /// <returns><see langword="true"/> if the message claims to be a frame.</returns>
    public static bool IsFrame(ReadOnlySpan<byte> message) => message.Length >= 2 && message[0] == Magic0 && message[1] == Magic1;

    /// <summary>Writes a whole frame (header with length and CRC-32, then payload) into <paramref name="destination"/>.</summary>
    /// <param name="header">Kind, transfer id, chunk id, total chunks, chunk size and metadata flag; length and CRC are computed.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="destination">At least <see cref="HeaderSize"/> + payload length bytes.</param>
    /// <returns>The number of bytes written.</returns>
    public static int Encode(in ChunkFrameHeader header, ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        if (destination.Length < HeaderSize + payload.Length)
        {
            throw new ArgumentException($"The destination needs {HeaderSize + payload.Length} bytes.", nameof(destination));
        }

        payload.CopyTo(destination.Slice(HeaderSize));
        WriteHeader(header, (uint)payload.Length, Crc32.Compute(payload), destination);
        return HeaderSize + payload.Length;
    }

    /// <summary>Completes a frame whose payload is already in place at <see cref="HeaderSize"/>: computes the CRC and writes the header. Saves a copy on the send path.</summary>
    /// <param name="header">The header fields.</param>
    /// <param name="frame">The frame buffer: header space followed by exactly the payload.</param>
    /// <returns>The frame length.</returns>
    public static int EncodeInPlace(in ChunkFrameHeader header, Span<byte> frame)
    {
        if (frame.Length < HeaderSize)
        {
            throw new ArgumentException($"A frame is at least {HeaderSize} bytes.", nameof(frame));
        }

        var payload = frame.Slice(HeaderSize);
        WriteHeader(header, (uint)payload.Length, Crc32.Compute(payload), frame);
        return frame.Length;
    }

    /// <summary>Decodes and fully validates a frame: structure, field consistency, declared length and CRC-32.</summary>
    /// <param name="frame">The whole binary message.</param>
    /// <param name="payload">The payload, a slice of <paramref name="frame"/>.</param>
    /// <returns>The header.</returns>
    /// <exception cref="ChunkFrameException">The frame is malformed; <see cref="ChunkFrameException.TransferId"/> is set when the header was readable.</exception>
    public static ChunkFrameHeader Decode(ReadOnlySpan<byte> frame, out ReadOnlySpan<byte> payload)
    {
        var header = DecodeHeader(frame);
        payload = frame.Slice(HeaderSize);
        if (Crc32.Compute(payload) != header.Crc32)
        {
            throw new ChunkFrameException(ChunkTransferError.CrcMismatch, $"Chunk {header.ChunkId} of transfer {header.TransferId}: CRC-32 mismatch.", header.TransferId);
        }

        return header;
    }

    /// <summary>Decodes and validates the header and declared length, without checking the CRC.</summary>
    /// <param name="frame">The whole binary message.</param>
    /// <returns>The header.</returns>
    /// <exception cref="ChunkFrameException">
    /// The frame is malformed. <see cref="ChunkFrameException.TransferId"/> is set whenever the message is at least 24
    /// bytes long and starts with the magic: bytes 0–23 mean the same in every version, so the sender can be told.
    /// </exception>
    public static ChunkFrameHeader DecodeHeader(ReadOnlySpan<byte> frame)
    {
        if (!IsFrame(frame))
        {
            throw Invalid("Not a chunk frame: the magic bytes 0x52 0x53 are missing.", null);
        }

        Guid? readableId = frame.Length >= TransferIdEnd ? ReadGuid(frame.Slice(8, 16)) : null;
        if (frame.Length < HeaderSize)
        {
            throw Invalid($"A frame is at least {HeaderSize} bytes; this one has {frame.Length}.", readableId);
        }

        var id = readableId!.Value;
        if (frame[2] != Version)
        {
            throw Invalid($"Transfer {id}: unsupported frame version {frame[2]}; this peer speaks version {Version}.", id);
        }

        var kind = (ChunkFrameKind)frame[3];
        if (kind is not (ChunkFrameKind.Data or ChunkFrameKind.Ack or ChunkFrameKind.Cancel or ChunkFrameKind.Error))
        {
            throw Invalid($"Transfer {id}: unknown frame kind {frame[3]}.", id);
        }

        var flags = frame[4];
        if ((flags & ~MetadataFlag) != 0)
        {
            throw Invalid($"Transfer {id}: unknown flag bits 0x{flags & ~MetadataFlag:X2} (only bit 0 is defined).", id);
        }

        if (frame[5] != 0 || frame[6] != 0 || frame[7] != 0)
        {
            throw Invalid($"Transfer {id}: the reserved bytes 5-7 must be 0 (were {frame[5]:X2} {frame[6]:X2} {frame[7]:X2}).", id);
        }

        var chunkId = BinaryPrimitives.ReadUInt32BigEndian(frame.Slice(24));
        var total = BinaryPrimitives.ReadUInt32BigEndian(frame.Slice(28));
        var chunkSize = BinaryPrimitives.ReadUInt32BigEndian(frame.Slice(32));
        var length = BinaryPrimitives.ReadUInt32BigEndian(frame.Slice(36));
        var crc = BinaryPrimitives.ReadUInt32BigEndian(frame.Slice(40));
        var hasMetadata = (flags & MetadataFlag) != 0;

        if (length != (uint)(frame.Length - HeaderSize))
        {
            throw new ChunkFrameException(ChunkTransferError.LengthMismatch, $"Transfer {id}: the header declares {length} payload bytes but the frame carries {frame.Length - HeaderSize}.", id);
        }

        if (hasMetadata && (kind != ChunkFrameKind.Data || chunkId != 0))
        {
            throw Invalid($"Transfer {id}: only Data chunk 0 may set the metadata flag ({kind} frame, chunk_id {chunkId}).", id);
        }

        // Only the fields this kind defines are checked: the README says receivers ignore the others (Ack's
        // total_chunks and chunk_size, Cancel's and Error's numbers), so a peer writing 0 or anything else there interoperates.
        var problem = kind switch
        {
            ChunkFrameKind.Data when total == 0 => "a Data frame needs total_chunks >= 1",
            ChunkFrameKind.Data when chunkId >= total => $"chunk_id {chunkId} is not below total_chunks {total}",
            ChunkFrameKind.Data when chunkSize == 0 || chunkSize > MaxChunkSize => $"chunk_size {chunkSize} is outside 1..{MaxChunkSize}",
            ChunkFrameKind.Ack when length != 0 => $"an Ack carries no payload (this one has {length} bytes)",
            ChunkFrameKind.Cancel when length != 0 => $"a Cancel carries no payload (this one has {length} bytes)",
            ChunkFrameKind.Error when length < 2 || length > MaxErrorPayload => $"an Error payload is 2..{MaxErrorPayload} bytes (this one has {length})",
            _ => null,
        };

        if (problem is not null)
        {
            throw Invalid($"Transfer {id}: {problem}.", id);
        }

        if (kind == ChunkFrameKind.Data && length > chunkSize + (hasMetadata ? 4u + MaxMetadataSize : 0u))
        {
            throw new ChunkFrameException(ChunkTransferError.LengthMismatch, $"Transfer {id}: chunk {chunkId} carries {length} payload bytes, more than chunk_size {chunkSize}{(hasMetadata ? " plus the largest metadata block" : string.Empty)} allows.", id);
        }

        return new ChunkFrameHeader(kind, id, chunkId, total, chunkSize, hasMetadata, length, crc);
    }

    /// <summary>Writes an Error frame: code, then as much of the UTF-8 reason as fits (cut at a character boundary).</summary>
    internal static int EncodeError(Guid transferId, ChunkTransferError error, string reason, Span<byte> destination)
    {
        var payload = destination.Slice(HeaderSize);
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)error);
        var bytes = System.Text.Encoding.UTF8.GetBytes(reason); // an error path: the allocation does not matter
        var written = Math.Min(bytes.Length, Math.Min(MaxErrorPayload, payload.Length) - 2);
        while (written < bytes.Length && written > 0 && (bytes[written] & 0xC0) == 0x80)
        {
            written--; // never cut a character in two: the reason stays valid UTF-8
        }

        bytes.AsSpan(0, written).CopyTo(payload.Slice(2));
        var frame = destination.Slice(0, HeaderSize + 2 + written);
        return EncodeInPlace(new ChunkFrameHeader(ChunkFrameKind.Error, transferId, 0, 0, 0), frame);
    }

    internal static void WriteHeader(in ChunkFrameHeader header, uint payloadLength, uint crc, Span<byte> destination)
    {
        destination[0] = Magic0;
        destination[1] = Magic1;
        destination[2] = Version;
        destination[3] = (byte)header.Kind;
        destination[4] = header.HasMetadata ? MetadataFlag : (byte)0;
        destination[5] = 0;
        destination[6] = 0;
        destination[7] = 0;
        WriteGuid(header.TransferId, destination.Slice(8, 16));
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(24), header.ChunkId);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(28), header.TotalChunks);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(32), header.ChunkSize);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(36), payloadLength);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(40), crc);
    }

    // RFC 4122 byte order (the hex digits of the textual form, in order), so other languages read it as-is.
    internal static void WriteGuid(Guid id, Span<byte> destination)
    {
#if NET
        id.TryWriteBytes(destination, bigEndian: true, out _);
#else
        SwapGuidByteOrder(id.ToByteArray(), destination);
#endif
    }

    internal static Guid ReadGuid(ReadOnlySpan<byte> source)
    {
#if NET
        return new Guid(source, bigEndian: true);
#else
        var bytes = new byte[16];
        SwapGuidByteOrder(source, bytes);
        return new Guid(bytes);
#endif
    }

#if !NET
    // Guid.ToByteArray is little-endian in its first three fields; the same swap converts in both directions.
    private static void SwapGuidByteOrder(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        destination[0] = source[3];
        destination[1] = source[2];
        destination[2] = source[1];
        destination[3] = source[0];
        destination[4] = source[5];
        destination[5] = source[4];
        destination[6] = source[7];
        destination[7] = source[6];
        source.Slice(8, 8).CopyTo(destination.Slice(8));
    }
#endif

    private static ChunkFrameException Invalid(string message, Guid? transferId) => new(ChunkTransferError.InvalidFrame, message, transferId);
}
