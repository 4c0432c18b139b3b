using System;

namespace ResilientSockets;

/// <summary>
/// The server no longer had the session (its resume window passed, or it restarted), so messages sent but not yet
/// acknowledged may not have been delivered. A new session has started; the application should resynchronise.
/// </summary>
public sealed class SessionLostException : ResilientWebSocketException
{
    internal SessionLostException(Guid lostSessionId, int unacknowledgedMessages)
        : base($"Session {lostSessionId} was lost (the server no longer had it: its resume window passed, or it restarted). {unacknowledgedMessages} sent message(s) had not been acknowledged and may not have been delivered; a new session has started.")
    {
        LostSessionId = lostSessionId;
        UnacknowledgedMessages = unacknowledgedMessages;
    }

    /// <summary>Gets the id of the lost session.</summary>
    public Guid LostSessionId { get; }

    /// <summary>Gets how many sent messages had not been acknowledged (they may or may not have reached the server's application).</summary>
    public int UnacknowledgedMessages { get; }
}
