using System;
using System.Net.WebSockets;

namespace ResilientSockets;

/// <summary>Describes a message that was accepted and then dropped: by an overflow policy, or because it expired.</summary>
public sealed class MessageDroppedEventArgs : EventArgs
{
    internal MessageDroppedEventArgs(MessageDirection direction, MessageDropReason reason, WebSocketMessageType messageType, int length, string? readerName = null, long outboxId = 0)
    {
        ReaderName = readerName;
        Direction = direction;
        Reason = reason;
        MessageType = messageType;
        Length = length;
        OutboxId = outboxId;
    }

    /// <summary>Gets whether the message was outbound (not sent) or inbound (not delivered to one reader).</summary>
    public MessageDirection Direction { get; }

    /// <summary>Gets why it was dropped.</summary>
    public MessageDropReason Reason { get; }

    /// <summary>Gets the message type.</summary>
    public WebSocketMessageType MessageType { get; }

    /// <summary>Gets the name of the reader that did not get the message (inbound drops), or <see langword="null"/> for an outbound message.</summary>
    public string? ReaderName { get; }

    /// <summary>Gets the payload length in bytes.</summary>
    public int Length { get; }

    /// <summary>
    /// Gets the outbox id of a durable message (the id its <see cref="Outbox.IOutboxStore"/> gave it; it has been removed
    /// from the store), or 0 for a message that was never in the outbox.
    /// </summary>
    public long OutboxId { get; }
}
