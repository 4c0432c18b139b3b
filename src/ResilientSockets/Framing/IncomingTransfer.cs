using System;
using System.IO;
using System.Threading.Tasks;

namespace ResilientSockets;

/// <summary>A completed incoming chunked transfer: its metadata and its bytes.</summary>
public sealed class IncomingTransfer : IAsyncDisposable
{
    internal IncomingTransfer(Guid id, ChunkMetadata? metadata, long length, Stream content)
    {
        Id = id;
        Metadata = metadata;
        Length = length;
        Content = content;
    }

    /// <summary>Gets the transfer id.</summary>
    public Guid Id { get; }

    /// <summary>Gets the metadata the sender attached, if any.</summary>
    public ChunkMetadata? Metadata { get; }

    /// <summary>Gets the number of bytes received.</summary>
    public long Length { get; }

    /// <summary>Gets the content: the sink the factory supplied (rewound when seekable), or an in-memory stream. Disposing the transfer disposes it.</summary>
    public Stream Content { get; }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Content.Dispose();
        return default;
    }
}
