using System;

namespace ResilientSockets;

/// <summary>A liveness check declared the link dead; the connection was aborted and the client reconnects.</summary>
public sealed class ConnectionTimeoutException : ResilientWebSocketException
{
    internal ConnectionTimeoutException(ConnectionTimeoutKind kind, TimeSpan limit)
        : base(kind switch
        {
            ConnectionTimeoutKind.Heartbeat => $"No pong arrived within the heartbeat timeout ({limit}); the link is treated as dead (NAT timeout, half-open TCP, or a server that does not answer the ping).",
            ConnectionTimeoutKind.Receive => $"Nothing arrived for {limit} (Heartbeat.ReceiveTimeout); the link is treated as dead.",
            _ => $"A write did not finish within {limit} (Heartbeat.SendTimeout): the peer stopped reading or the link is dead. The message goes first on the next connection.",
        })
    {
        Kind = kind;
        Limit = limit;
    }

    /// <summary>Gets which check fired.</summary>
    public ConnectionTimeoutKind Kind { get; }

    /// <summary>Gets the configured limit that was exceeded.</summary>
    public TimeSpan Limit { get; }
}
