namespace ResilientSockets.Sending;

/// <summary>What happened to a message offered to the queue without waiting.</summary>
internal enum EnqueueResult
{
    Enqueued,
    Full,
    Closed,
}
