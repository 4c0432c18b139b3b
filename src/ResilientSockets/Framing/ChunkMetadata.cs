using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace ResilientSockets;

/// <summary>What a transfer says about itself; carried in chunk 0.</summary>
public sealed class ChunkMetadata
{
    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>();

    /// <summary>Gets the total payload length in bytes (set by the sender from the content).</summary>
    public long TotalLength { get; internal set; }

    /// <summary>Gets or sets a content type, such as <c>application/pdf</c>.</summary>
    public string? ContentType { get; set; }

    /// <summary>Gets or sets a name, such as a file name.</summary>
    public string? Name { get; set; }

    /// <summary>Gets or sets application headers.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; set; } = NoHeaders;

    // Layout: u64 total length, then u16-prefixed UTF-8 content type and name (0xFFFF = absent), u16 header count, then u16-prefixed key/value pairs.
    internal byte[] Encode()
    {
        var parts = new List<byte>(64);
        Span<byte> eight = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(eight, (ulong)TotalLength);
        parts.AddRange(eight.ToArray());
        AddString(parts, ContentType);
        AddString(parts, Name);
        var headers = Headers ?? NoHeaders;
        AddUInt16(parts, checked((ushort)headers.Count));
        foreach (var pair in headers)
        {
            AddString(parts, pair.Key ?? throw new ArgumentException("Header names must not be null."));
            AddString(parts, pair.Value ?? string.Empty);
        }

        if (parts.Count > ChunkFrameCodec.MaxMetadataSize)
        {
            throw new ArgumentException($"The metadata is {parts.Count} bytes; the limit is {ChunkFrameCodec.MaxMetadataSize}.");
        }

        return parts.ToArray();
    }

    /// <summary>Decodes a metadata block (without its 4-byte length prefix), checking every field.</summary>
    /// <param name="block">The block.</param>
    /// <param name="transferId">For error messages.</param>
    /// <param name="maxTotalLength">The receiver's MaxTransferSize: a larger declared total length is <see cref="ChunkTransferError.TooLarge"/>.</param>
    internal static ChunkMetadata Decode(ReadOnlySpan<byte> block, Guid transferId, long maxTotalLength = long.MaxValue)
    {
        var reader = new BlockReader(block, transferId);
        var total = reader.UInt64("total length");
        if (total > (ulong)maxTotalLength)
        {
            // Compared as unsigned: a value of 2^63 or more must read as "too large", not overflow into a negative long.
            throw new ChunkFrameException(ChunkTransferError.TooLarge, $"Transfer {transferId}: the metadata total length {total} exceeds {(maxTotalLength == long.MaxValue ? "the format's maximum" : "MaxTransferSize")} ({maxTotalLength} bytes).", transferId);
        }

        var metadata = new ChunkMetadata { TotalLength = (long)total };
        metadata.ContentType = reader.String("content type");
        metadata.Name = reader.String("name");
        var count = reader.UInt16("header count");
        var headers = new Dictionary<string, string>(Math.Min((int)count, 64), StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var key = reader.String($"header {i} key") ?? throw reader.Malformed($"header {i} key is absent (0xFFFF); keys must be present");
            headers[key] = reader.String($"header {i} value ({key})") ?? string.Empty;
        }

        reader.End();
        metadata.Headers = headers;
        return metadata;
    }

    private static void AddUInt16(List<byte> parts, ushort value)
    {
        parts.Add((byte)(value >> 8));
        parts.Add((byte)value);
    }

    private static void AddString(List<byte> parts, string? value)
    {
        if (value is null)
        {
            AddUInt16(parts, 0xFFFF);
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length >= 0xFFFF)
        {
            throw new ArgumentException("A metadata string is limited to 65534 UTF-8 bytes.");
        }

        AddUInt16(parts, (ushort)bytes.Length);
        parts.AddRange(bytes);
    }

    /// <summary>Reads the block field by field; every failure names the field, so the sender's log says what to fix.</summary>
    private ref struct BlockReader(ReadOnlySpan<byte> block, Guid transferId)
    {
        private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        private ReadOnlySpan<byte> _rest = block;

        public ulong UInt64(string field) => BinaryPrimitives.ReadUInt64BigEndian(Take(8, field));

        public ushort UInt16(string field) => BinaryPrimitives.ReadUInt16BigEndian(Take(2, field));

        public string? String(string field)
        {
            var length = UInt16(field + " length");
            if (length == 0xFFFF)
            {
                return null;
            }

            var bytes = Take(length, field);
            try
            {
                return StrictUtf8.GetString(bytes.ToArray());
            }
            catch (DecoderFallbackException)
            {
                throw Malformed($"the {field} is not valid UTF-8");
            }
        }

        public void End()
        {
            if (!_rest.IsEmpty)
            {
                throw Malformed($"{_rest.Length} bytes follow the last header");
            }
        }

        public readonly ChunkFrameException Malformed(string problem)
            => new(ChunkTransferError.InvalidFrame, $"Transfer {transferId}: the metadata block is malformed: {problem}.", transferId);

        private ReadOnlySpan<byte> Take(int count, string field)
        {
            if (_rest.Length < count)
            {
                throw Malformed($"it ends inside the {field} (needs {count} bytes, {_rest.Length} left)");
            }

            var taken = _rest.Slice(0, count);
            _rest = _rest.Slice(count);
            return taken;
        }
    }
}
