namespace ResilientSockets.Server;

/// <summary>The state of a <see cref="ResilientSession"/>.</summary>
public enum ResilientSessionState
{
    /// <summary>A client connection is attached: messages are written as they are sent.</summary>
    Attached,

    /// <summary>
    /// No connection: the session waits for the client to resume it within the resume window. Sends are kept (up to
    /// the replay buffer's bounds) and replayed on resume.
    /// </summary>
    Detached,

    /// <summary>The session is over (see <see cref="ResilientSession.EndReason"/>); a HELLO for it gets <c>lost</c>.</summary>
    Ended,
}
