using System;

namespace ResilientSockets;

/// <summary>An accepted message was not written to any connection. <see cref="Reason"/> says why.</summary>
public sealed class MessageNotSentException : ResilientWebSocketException
{
    internal MessageNotSentException(MessageDropReason reason, string message, Exception? innerException = null)
        : base(message, innerException)
        => Reason = reason;

    /// <summary>Gets why the message was not sent.</summary>
    public MessageDropReason Reason { get; }
}
