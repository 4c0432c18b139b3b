using System;
using System.Net.WebSockets;

namespace ResilientSockets;

/// <summary>Describes a message that was accepted and then dropped: by an overflow policy, or because it expired.</summary>
public sealed class MessageDroppedEventArgs : EventArgs
{
    internal MessageDroppedEventArgs(MessageDirection direction, MessageDropReason reason, WebSocketMessageType messageType, int length, string? readerName = null)
    {
        ReaderName = readerName;
        Direction = direction;
        Reason = reason;
        MessageType = messageType;
        Length = length;
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
}
