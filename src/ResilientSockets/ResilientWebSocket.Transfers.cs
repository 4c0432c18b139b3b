using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Framing;

namespace ResilientSockets;

public sealed partial class ResilientWebSocket
{
    /// <summary>
    /// Sends a stream as a chunked transfer (see <see cref="ResilientWebSocketOptions.Framing"/>), reading it incrementally:
    /// memory stays bounded by <see cref="ChunkedTransferOptions.AckWindow"/> chunks. A transfer interrupted by a reconnect
    /// resumes on its own, resending only what the receiver has not acknowledged.
    /// </summary>
    /// <param name="content">The payload, read from its current position to its end. Must be seekable (for its length); otherwise use the overload with a length.</param>
    /// <param name="metadata">Optional metadata (content type, name, headers) sent in chunk 0.</param>
    /// <param name="progress">Receives progress as the receiver acknowledges chunks.</param>
    /// <param name="cancellationToken">Cancels the transfer; the receiver is told to free its state.</param>
    /// <returns>The transfer id, once the receiver has acknowledged every chunk.</returns>
    /// <exception cref="InvalidOperationException">Framing is off.</exception>
    /// <exception cref="ChunkFrameException">The receiver failed the transfer (limit, CRC, timeout).</exception>
    public Task<Guid> SendTransferAsync(Stream content, ChunkMetadata? metadata = null, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Internal.Guard.NotNull(content);
        if (!content.CanSeek)
        {
            throw new ArgumentException("The stream cannot seek, so its length is unknown; every frame carries total_chunks, so pass the length explicitly.", nameof(content));
        }

        return SendTransferAsync(content, content.Length - content.Position, metadata, progress, cancellationToken);
    }

    /// <inheritdoc cref="SendTransferAsync(Stream, ChunkMetadata?, IProgress{TransferProgress}?, CancellationToken)"/>
    /// <param name="content">The payload, read from its current position.</param>
    /// <param name="length">How many bytes to send.</param>
    /// <param name="metadata">Optional metadata (content type, name, headers) sent in chunk 0.</param>
    /// <param name="progress">Receives progress as the receiver acknowledges chunks.</param>
    /// <param name="cancellationToken">Cancels the transfer; the receiver is told to free its state.</param>
    public Task<Guid> SendTransferAsync(Stream content, long length, ChunkMetadata? metadata = null, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Internal.Guard.NotNull(content);
        var engine = _transfers ?? throw new InvalidOperationException("Chunked transfers need ResilientWebSocketOptions.Framing to be set.");
        ThrowIfDisposed();
        return engine.SendAsync(content, length, metadata, progress, SendFrameAsync, cancellationToken);
    }

    /// <inheritdoc cref="SendTransferAsync(Stream, ChunkMetadata?, IProgress{TransferProgress}?, CancellationToken)"/>
    /// <param name="content">The payload (not copied: do not change it until the task completes).</param>
    /// <param name="metadata">Optional metadata (content type, name, headers) sent in chunk 0.</param>
    /// <param name="progress">Receives progress as the receiver acknowledges chunks.</param>
    /// <param name="cancellationToken">Cancels the transfer; the receiver is told to free its state.</param>
    public Task<Guid> SendTransferAsync(ReadOnlyMemory<byte> content, ChunkMetadata? metadata = null, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var stream = MemoryMarshal.TryGetArray(content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);
        return SendTransferAsync(stream, stream.Length, metadata, progress, cancellationToken);
    }

    /// <summary>
    /// Streams completed incoming transfers, with their metadata and content, until the client stops. Transfers are
    /// handed out once: concurrent readers share them. Dispose each transfer when done with its content.
    /// </summary>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    /// <returns>The transfers.</returns>
    /// <exception cref="InvalidOperationException">Framing is off.</exception>
    public async IAsyncEnumerable<IncomingTransfer> ReadTransfersAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var engine = _transfers ?? throw new InvalidOperationException("Chunked transfers need ResilientWebSocketOptions.Framing to be set.");
        var reader = engine.Completed;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out var transfer))
            {
                yield return transfer;
            }
        }
    }
}
