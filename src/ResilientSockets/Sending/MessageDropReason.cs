namespace ResilientSockets;

/// <summary>Why an accepted message was not sent (outbound) or not delivered to a reader (inbound).</summary>
public enum MessageDropReason
{
    /// <summary>The queue was full and the overflow policy is <see cref="OverflowPolicy.Reject"/>.</summary>
    QueueFull = 0,

    /// <summary>The message was evicted by <see cref="OverflowPolicy.DropOldest"/> or <see cref="OverflowPolicy.DropNewest"/>.</summary>
    Overflow = 1,

    /// <summary>The message's time-to-live ran out before it could be written.</summary>
    Expired = 2,

    /// <summary>The client was stopped before the message could be written.</summary>
    Stopped = 3,

    /// <summary>The client gave up reconnecting before the message could be written.</summary>
    Faulted = 4,
}
