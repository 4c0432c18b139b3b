namespace ResilientSockets;

/// <summary>Progress of an outgoing chunked transfer, reported as the receiver acknowledges chunks.</summary>
public readonly struct TransferProgress
{
    internal TransferProgress(long bytesAcknowledged, long totalBytes, uint chunksAcknowledged, uint totalChunks, double bytesPerSecond)
    {
        BytesAcknowledged = bytesAcknowledged;
        TotalBytes = totalBytes;
        ChunksAcknowledged = chunksAcknowledged;
        TotalChunks = totalChunks;
        BytesPerSecond = bytesPerSecond;
    }

    /// <summary>Gets the bytes the receiver has confirmed.</summary>
    public long BytesAcknowledged { get; }

    /// <summary>Gets the transfer's total bytes.</summary>
    public long TotalBytes { get; }

    /// <summary>Gets the chunks the receiver has confirmed (contiguously from 0).</summary>
    public uint ChunksAcknowledged { get; }

    /// <summary>Gets the transfer's total chunks.</summary>
    public uint TotalChunks { get; }

    /// <summary>Gets the average rate since the transfer started.</summary>
    public double BytesPerSecond { get; }
}
