using System;
using System.Collections.Generic;

namespace ResilientSockets;

/// <summary>
/// Acknowledged sessions (<see cref="ResilientWebSocketOptions.Session"/>): sequence numbers, cumulative acks, replay both
/// ways after a reconnect, duplicate suppression. The server must speak the session wire format (the
/// ResilientSockets.Server package, or any implementation of the README's tables).
/// </summary>
public sealed class ReliableSessionOptions
{
    internal const int DefaultMaxUnacknowledgedMessages = 4096;
    internal const long DefaultMaxUnacknowledgedBytes = 4 * 1024 * 1024;
    internal const int DefaultAckEvery = 32;

    /// <summary>Gets or sets how many sent messages may wait for the server's acknowledgement (kept for replay). When reached, sends wait.</summary>
    /// <value>The default value is 4096. Must be between 1 and 1,048,576.</value>
    public int MaxUnacknowledgedMessages { get; set; } = DefaultMaxUnacknowledgedMessages;

    /// <summary>Gets or sets how many bytes of sent messages may wait for acknowledgement. When reached, sends wait (one message is always allowed).</summary>
    /// <value>The default value is 4 MiB. Must be at least 1.</value>
    public long MaxUnacknowledgedBytes { get; set; } = DefaultMaxUnacknowledgedBytes;

    /// <summary>Gets or sets after how many received messages an acknowledgement is sent at once.</summary>
    /// <value>The default value is 32. Must be between 1 and 65,536.</value>
    public int AckEvery { get; set; } = DefaultAckEvery;

    /// <summary>Gets or sets how long after the first unacknowledged received message an acknowledgement is sent at the latest.</summary>
    /// <value>The default value is 50 milliseconds. Must be greater than zero and at most 10 seconds.</value>
    public TimeSpan AckDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    internal ReliableSessionOptions Clone() => (ReliableSessionOptions)MemberwiseClone();

    internal void Validate(List<string> errors)
    {
        if (MaxUnacknowledgedMessages is < 1 or > 1 << 20)
        {
            errors.Add($"Session.MaxUnacknowledgedMessages must be between 1 and 1048576 (was {MaxUnacknowledgedMessages}).");
        }

        if (MaxUnacknowledgedBytes < 1)
        {
            errors.Add($"Session.MaxUnacknowledgedBytes must be at least 1 (was {MaxUnacknowledgedBytes}).");
        }

        if (AckEvery is < 1 or > 65536)
        {
            errors.Add($"Session.AckEvery must be between 1 and 65536 (was {AckEvery}).");
        }

        if (AckDelay <= TimeSpan.Zero || AckDelay > TimeSpan.FromSeconds(10))
        {
            errors.Add($"Session.AckDelay must be greater than zero and at most 10 seconds (was {AckDelay}).");
        }
    }
}
