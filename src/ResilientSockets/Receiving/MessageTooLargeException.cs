namespace ResilientSockets;

/// <summary>The server sent a message larger than <see cref="ReceiveOptions.MaxMessageSize"/>; the connection was closed with 1009.</summary>
public sealed class MessageTooLargeException : ResilientWebSocketException
{
    internal MessageTooLargeException(long limit)
        : base($"The server sent a message larger than MaxMessageSize ({limit} bytes). The connection was closed with status 1009 (MessageTooBig). Raise ReceiveOptions.MaxMessageSize if such messages are expected.")
        => Limit = limit;

    /// <summary>Gets the configured limit in bytes.</summary>
    public long Limit { get; }
}
