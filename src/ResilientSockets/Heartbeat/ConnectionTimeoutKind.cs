namespace ResilientSockets;

/// <summary>Which liveness check declared a link dead.</summary>
public enum ConnectionTimeoutKind
{
    /// <summary>No pong arrived within <see cref="HeartbeatOptions.Timeout"/> after a ping.</summary>
    Heartbeat = 0,

    /// <summary>Nothing arrived for <see cref="HeartbeatOptions.ReceiveTimeout"/>.</summary>
    Receive = 1,

    /// <summary>A frame write did not finish within <see cref="HeartbeatOptions.SendTimeout"/>.</summary>
    Send = 2,
}
