namespace ResilientSockets;

/// <summary>The lifecycle state of a <see cref="ResilientWebSocket"/>.</summary>
/// <remarks>
/// The only paths are <c>Idle → Connecting → Open → (Reconnecting → Connecting → Open)* → Closing → Closed</c>,
/// and <see cref="Faulted"/> once reconnecting is given up. <see cref="Paused"/> is entered only on the application's
/// request (<see cref="ResilientWebSocket.PauseAsync"/>) from <see cref="Connecting"/>, <see cref="Open"/> or
/// <see cref="Reconnecting"/>, and left by <see cref="ResilientWebSocket.Resume"/> (to <see cref="Reconnecting"/>) or a stop. <see cref="Closed"/> and <see cref="Faulted"/> are final:
/// a client is started once; create a new one to connect again.
/// </remarks>
public enum ConnectionState
{
    /// <summary>Created, not started. Messages sent now are queued until the first connection is open.</summary>
    Idle = 0,

    /// <summary>A connection attempt (handshake and on-connected hook) is in progress.</summary>
    Connecting = 1,

    /// <summary>Connected; the outbound queue is flowing.</summary>
    Open = 2,

    /// <summary>The link was lost or an attempt failed; waiting for the next attempt. Sends are queued.</summary>
    Reconnecting = 3,

    /// <summary>Stop was requested; the close handshake is in progress.</summary>
    Closing = 4,

    /// <summary>Stopped by the application. Final.</summary>
    Closed = 5,

    /// <summary>Gave up: attempts exhausted or an error no retry can fix. Final; the cause is in the state-changed event.</summary>
    Faulted = 6,

    /// <summary>
    /// Paused by the application (it went to the background): the connection was closed with a close handshake, no
    /// attempt is made, sends are queued and readers stay subscribed. <see cref="ResilientWebSocket.Resume"/> reconnects.
    /// </summary>
    Paused = 7,
}
