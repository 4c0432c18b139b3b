using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace ResilientSockets;

/// <summary>Chunked binary transfers: sender chunking and flow control, receiver limits.</summary>
public sealed class ChunkedTransferOptions
{
    /// <summary>Gets or sets the data bytes per chunk the sender uses.</summary>
    /// <value>The default value is 64 KiB. Must be between 1 and 16 MiB.</value>
    public int ChunkSize { get; set; } = 64 * 1024;

    /// <summary>Gets or sets how many chunks the sender may have unacknowledged (and buffered for resend) at once.</summary>
    /// <value>The default value is 8. Must be between 1 and 4096.</value>
    public int AckWindow { get; set; } = 8;

    /// <summary>Gets or sets how long the sender waits for acknowledgement progress before resending what is unacknowledged.</summary>
    /// <value>The default value is 10 seconds. Must be greater than zero.</value>
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the largest transfer the receiver accepts, in bytes.</summary>
    /// <value>The default value is 1 GiB. Must be at least 1.</value>
    public long MaxTransferSize { get; set; } = 1L << 30;

    /// <summary>Gets or sets the largest <c>total_chunks</c> the receiver accepts (bounds its per-transfer bookkeeping).</summary>
    /// <value>The default value is 1,048,576. Must be at least 1.</value>
    public int MaxChunksPerTransfer { get; set; } = 1 << 20;

    /// <summary>Gets or sets how many incoming transfers may be in progress at once.</summary>
    /// <value>The default value is 8. Must be at least 1.</value>
    public int MaxConcurrentIncomingTransfers { get; set; } = 8;

    /// <summary>Gets or sets how long an incoming transfer may go without a new chunk before it is failed and its memory and file freed.</summary>
    /// <value>The default value is 2 minutes. Must be greater than zero.</value>
    public TimeSpan IncompleteTransferTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Gets or sets the most bytes the receiver holds in memory across all incoming transfers: whole transfers without a
    /// sink, and out-of-order chunks waiting for a sink that cannot seek.
    /// </summary>
    /// <value>The default value is 128 MiB. Must be at least 1.</value>
    public long MaxBufferedBytes { get; set; } = 128L << 20;

    /// <summary>
    /// Gets or sets a factory for the stream an incoming transfer is written to (a file, say), given its id and metadata
    /// (<see langword="null"/> when chunk 0 has not arrived yet). A seekable stream receives out-of-order chunks in place.
    /// When the transfer fails, the stream is disposed and, if it is a <see cref="FileStream"/>, its file is deleted.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: transfers are assembled in memory.</value>
    public Func<Guid, ChunkMetadata?, CancellationToken, ValueTask<Stream>>? SinkFactory { get; set; }

    internal ChunkedTransferOptions Clone() => (ChunkedTransferOptions)MemberwiseClone();

    /// <summary>Checks every setting and throws one exception that lists every problem.</summary>
    /// <exception cref="ArgumentException">One or more settings are invalid.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        Validate(errors);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid ChunkedTransferOptions:" + Environment.NewLine + " - " + string.Join(Environment.NewLine + " - ", errors), "options");
        }
    }

    internal void Validate(List<string> errors)
    {
        if (ChunkSize is < 1 or > ChunkFrameCodec.MaxChunkSize)
        {
            errors.Add($"Framing.ChunkSize must be between 1 and {ChunkFrameCodec.MaxChunkSize} (was {ChunkSize}).");
        }

        if (AckWindow is < 1 or > 4096)
        {
            errors.Add($"Framing.AckWindow must be between 1 and 4096 (was {AckWindow}).");
        }

        if (AckTimeout <= TimeSpan.Zero)
        {
            errors.Add($"Framing.AckTimeout must be greater than zero (was {AckTimeout}).");
        }

        if (MaxTransferSize < 1)
        {
            errors.Add($"Framing.MaxTransferSize must be at least 1 (was {MaxTransferSize}).");
        }

        if (MaxChunksPerTransfer < 1)
        {
            errors.Add($"Framing.MaxChunksPerTransfer must be at least 1 (was {MaxChunksPerTransfer}).");
        }

        if (MaxConcurrentIncomingTransfers < 1)
        {
            errors.Add($"Framing.MaxConcurrentIncomingTransfers must be at least 1 (was {MaxConcurrentIncomingTransfers}).");
        }

        if (IncompleteTransferTimeout <= TimeSpan.Zero)
        {
            errors.Add($"Framing.IncompleteTransferTimeout must be greater than zero (was {IncompleteTransferTimeout}).");
        }

        if (MaxBufferedBytes < 1)
        {
            errors.Add($"Framing.MaxBufferedBytes must be at least 1 (was {MaxBufferedBytes}).");
        }
    }
}
