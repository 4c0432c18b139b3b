using System;

namespace ResilientSockets;

/// <summary>The protocol handshake of a new connection failed or timed out (a graphql-ws server that never sends <c>connection_ack</c>).</summary>
public sealed class ProtocolHandshakeException : ResilientWebSocketException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public ProtocolHandshakeException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
