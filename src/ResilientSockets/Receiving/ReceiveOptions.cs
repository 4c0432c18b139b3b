using System;
using System.Collections.Generic;

namespace ResilientSockets;

/// <summary>How messages are received and handed to readers.</summary>
public sealed class ReceiveOptions
{
    internal const int DefaultMaxMessageSize = 4 * 1024 * 1024;
    internal const int DefaultBufferSize = 16 * 1024;
    internal const int DefaultReaderCapacity = 1024;

    /// <summary>Gets or sets the largest message, in bytes, that is reassembled. A larger one closes the connection with 1009 and is reported.</summary>
    /// <value>The default value is 4 MiB. Must be at least 1.</value>
    public int MaxMessageSize { get; set; } = DefaultMaxMessageSize;

    /// <summary>Gets or sets the size of one receive call's buffer (pooled). Larger messages are assembled from several reads.</summary>
    /// <value>The default value is 16 KiB. Must be between 256 bytes and 16 MiB.</value>
    public int ReceiveBufferSize { get; set; } = DefaultBufferSize;

    /// <summary>Gets or sets how many messages each reader of <c>ReadAllAsync</c> may have waiting.</summary>
    /// <value>The default value is 1024. Must be at least 1.</value>
    public int ReaderCapacity { get; set; } = DefaultReaderCapacity;

    /// <summary>
    /// Gets or sets what happens when a reader's buffer is full. <see cref="OverflowPolicy.Wait"/> holds back the receive
    /// loop (and so the server, through TCP flow control) until the slowest reader catches up; the others drop for that
    /// reader only and raise a drop event.
    /// </summary>
    /// <value>The default value is <see cref="OverflowPolicy.Wait"/>.</value>
    public OverflowPolicy ReaderOverflowPolicy { get; set; } = OverflowPolicy.Wait;

    internal ReceiveOptions Clone() => new()
    {
        MaxMessageSize = MaxMessageSize,
        ReceiveBufferSize = ReceiveBufferSize,
        ReaderCapacity = ReaderCapacity,
        ReaderOverflowPolicy = ReaderOverflowPolicy,
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

        if (!Enum.IsDefined(typeof(OverflowPolicy), ReaderOverflowPolicy))
        {
            errors.Add($"Receiving.ReaderOverflowPolicy has an unknown value ({(int)ReaderOverflowPolicy}).");
        }
    }
}
