using System;
using System.Collections.Generic;

namespace ResilientSockets;

/// <summary>How messages are received and handed to readers.</summary>
public sealed class ReceiveOptions
{
    internal const int DefaultMaxMessageSize = 4 * 1024 * 1024;
    internal const int DefaultBufferSize = 16 * 1024;
    internal const int DefaultReaderCapacity = 1024;
    internal const long DefaultMaxBufferedBytes = 1024 * 1024;

    /// <summary>Gets or sets the largest message, in bytes, that is reassembled. A larger one closes the connection with 1009 and is reported.</summary>
    /// <value>The default value is 4 MiB. Must be at least 1.</value>
    public int MaxMessageSize { get; set; } = DefaultMaxMessageSize;

    /// <summary>Gets or sets the size of one receive call's buffer (pooled). Larger messages are assembled from several reads.</summary>
    /// <value>The default value is 16 KiB. Must be between 256 bytes and 16 MiB.</value>
    public int ReceiveBufferSize { get; set; } = DefaultBufferSize;

    /// <summary>
    /// Gets or sets how many messages each reader may have waiting before its overflow policy applies (a reader can
    /// override it: <see cref="ReaderOptions.Capacity"/>). Also the capacity of the unclaimed backlog that holds messages
    /// while no reader and no handler is attached.
    /// </summary>
    /// <value>The default value is 1024. Must be at least 1.</value>
    public int ReaderCapacity { get; set; } = DefaultReaderCapacity;

    /// <summary>
    /// Gets or sets what happens when a reader's buffer is full (a reader can override it:
    /// <see cref="ReaderOptions.OverflowPolicy"/>). <see cref="OverflowPolicy.Wait"/> loses nothing: the client keeps
    /// reading the socket and holds further messages for that reader within <see cref="MaxBufferedBytes"/>; when that is
    /// used up it stops reading (TCP flow control holds the server back) until the reader catches up, and the liveness
    /// checks pause meanwhile, so a slow reader never gets a healthy link declared dead. The other policies drop for that
    /// reader only and raise <see cref="ResilientWebSocket.MessageDropped"/> with the reader's name.
    /// </summary>
    /// <value>The default value is <see cref="OverflowPolicy.Wait"/>.</value>
    public OverflowPolicy ReaderOverflowPolicy { get; set; } = OverflowPolicy.Wait;

    /// <summary>
    /// Gets or sets how many bytes the client may hold, across all readers, past the readers' capacities before it stops
    /// reading the socket. While it reads, control traffic (heartbeat pongs, protocol keep-alive PONGs, chunk acks) keeps
    /// flowing even though the application is behind. Zero stops reading as soon as a waiting reader is full.
    /// </summary>
    /// <value>The default value is 1 MiB. Must be between 0 and 2 GiB.</value>
    public long MaxBufferedBytes { get; set; } = DefaultMaxBufferedBytes;

    internal ReceiveOptions Clone() => new()
    {
        MaxMessageSize = MaxMessageSize,
        ReceiveBufferSize = ReceiveBufferSize,
        ReaderCapacity = ReaderCapacity,
        ReaderOverflowPolicy = ReaderOverflowPolicy,
        MaxBufferedBytes = MaxBufferedBytes,
    };

    internal void Validate(List<string> errors)
    {
        if (MaxMessageSize < 1)
        {
            errors.Add($"Receiving.MaxMessageSize must be at least 1 (was {MaxMessageSize}).");
        }

        if (ReceiveBufferSize is < 256 or > 16 * 1024 * 1024)
        {
            errors.Add($"Receiving.ReceiveBufferSize must be between 256 and 16777216 (was {ReceiveBufferSize}).");
        }

        if (ReaderCapacity < 1)
        {
            errors.Add($"Receiving.ReaderCapacity must be at least 1 (was {ReaderCapacity}).");
        }

        if (MaxBufferedBytes is < 0 or > int.MaxValue + 1L)
        {
            errors.Add($"Receiving.MaxBufferedBytes must be between 0 and 2147483648 (was {MaxBufferedBytes}).");
        }

        if (!Enum.IsDefined(typeof(OverflowPolicy), ReaderOverflowPolicy))
        {
            errors.Add($"Receiving.ReaderOverflowPolicy has an unknown value ({(int)ReaderOverflowPolicy}).");
        }
    }
}
