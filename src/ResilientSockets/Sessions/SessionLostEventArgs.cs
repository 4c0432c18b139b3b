using System;

namespace ResilientSockets;

/// <summary>Describes a lost session (<see cref="ResilientWebSocket.SessionLost"/>).</summary>
public sealed class SessionLostEventArgs : EventArgs
{
    internal SessionLostEventArgs(Guid lostSessionId, Guid newSessionId, int unacknowledgedMessages)
    {
        LostSessionId = lostSessionId;
        NewSessionId = newSessionId;
        UnacknowledgedMessages = unacknowledgedMessages;
    }

    /// <summary>Gets the id of the session the server no longer had.</summary>
    public Guid LostSessionId { get; }

    /// <summary>Gets the id of the session that replaces it.</summary>
    public Guid NewSessionId { get; }

    /// <summary>
    /// Gets how many messages this client had sent without acknowledgement: they may not have reached the server's
    /// application (their acknowledged sends fail with <see cref="SessionLostException"/>). What the server had sent and
    /// this client had not received is unknown here; the server reports its own count.
    /// </summary>
    public int UnacknowledgedMessages { get; }
}
