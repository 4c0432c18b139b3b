namespace ResilientSockets;

/// <summary>What happens when a bounded buffer (the send queue, or a reader's buffer) is full.</summary>
public enum OverflowPolicy
{
    /// <summary>Wait for room: senders (or, for a reader, the receive loop) are held back. Nothing is dropped.</summary>
    Wait = 0,

    /// <summary>Refuse the incoming message: <c>SendAsync</c> fails with <see cref="MessageNotSentException"/>, <c>TryPost</c> returns <see langword="false"/>; for a reader, the incoming message is not delivered to it.</summary>
    Reject = 1,

    /// <summary>Evict the oldest buffered message to make room; its sender's task fails and a drop event is raised.</summary>
    DropOldest = 2,

    /// <summary>Evict the most recently buffered message to make room; its sender's task fails and a drop event is raised.</summary>
    DropNewest = 3,
}
