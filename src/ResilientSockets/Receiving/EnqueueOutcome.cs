namespace ResilientSockets.Receiving;

/// <summary>What a reader's queue did with an incoming message.</summary>
internal enum EnqueueOutcome
{
    /// <summary>Queued.</summary>
    Enqueued,

    /// <summary>Queued, and the oldest waiting message was evicted (returned to the caller to report).</summary>
    EnqueuedEvictingOldest,

    /// <summary>Queued in place of the newest waiting message, which was evicted (returned to the caller to report).</summary>
    EnqueuedEvictingNewest,

    /// <summary>Not queued: the reader is full and refuses new messages (Reject).</summary>
    Refused,

    /// <summary>Not queued yet: the reader is full, waits for room, and the client's receive budget is used up.</summary>
    MustWait,

    /// <summary>Not queued: the reader has ended.</summary>
    Closed,
}
