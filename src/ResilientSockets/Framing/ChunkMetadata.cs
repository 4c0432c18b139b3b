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

    internal static ChunkMetadata Decode(ReadOnlySpan<byte> block, Guid transferId)
    {
        try
        {
            var metadata = new ChunkMetadata { TotalLength = checked((long)BinaryPrimitives.ReadUInt64BigEndian(block)) };
            block = block.Slice(8);
            metadata.ContentType = ReadString(ref block);
            metadata.Name = ReadString(ref block);
            var count = BinaryPrimitives.ReadUInt16BigEndian(block);
            block = block.Slice(2);
            var headers = new Dictionary<string, string>(count, StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                var key = ReadString(ref block) ?? throw new FormatException("null header name");
                headers[key] = ReadString(ref block) ?? string.Empty;
            }

            if (!block.IsEmpty)
            {
                throw new FormatException("trailing bytes");
            }

            metadata.Headers = headers;
            return metadata;
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or FormatException or OverflowException or ArgumentException)
        {
            throw new ChunkFrameException(ChunkTransferError.InvalidFrame, $"Transfer {transferId}: the metadata block is malformed ({ex.Message}).", transferId);
        }
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

    private static string? ReadString(ref ReadOnlySpan<byte> block)
    {
        var length = BinaryPrimitives.ReadUInt16BigEndian(block);
        block = block.Slice(2);
        if (length == 0xFFFF)
        {
            return null;
        }

        var text = Internal.Utf8.Decode(block.Slice(0, length));
        block = block.Slice(length);
        return text;
    }
}
