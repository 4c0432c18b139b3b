using System;

namespace ResilientSockets.Server;

/// <summary>
/// The session ended. Thrown by <see cref="ResilientSession.ReadAllAsync"/> (after every message received before the end
/// was read) when the session was lost (not closed with 1000), and by sends and flushes on a session that has ended
/// for any reason.
/// </summary>
public sealed class ResilientSessionEndedException : Exception
{
    internal ResilientSessionEndedException(Guid sessionId, ResilientSessionEndReason reason, long unacknowledgedMessages, string? detail)
        : base(FormatMessage(sessionId, reason, unacknowledgedMessages, detail))
    {
        SessionId = sessionId;
        Reason = reason;
        UnacknowledgedMessages = unacknowledgedMessages;
    }

    /// <summary>Gets the session's id.</summary>
    public Guid SessionId { get; }

    /// <summary>Gets why the session ended.</summary>
    public ResilientSessionEndReason Reason { get; }

    /// <summary>
    /// Gets how many messages the server had sent that the client never acknowledged when the session ended: they may
    /// not have been delivered. (What the client sent and the server never received, only the client knows.)
    /// </summary>
    public long UnacknowledgedMessages { get; }

    /// <summary>Gets a value indicating whether the session was lost (any end but a close with 1000).</summary>
    public bool IsLost => Reason is not (ResilientSessionEndReason.ClosedByClient or ResilientSessionEndReason.ClosedByServer);

    private static string FormatMessage(Guid sessionId, ResilientSessionEndReason reason, long unacknowledged, string? detail)
    {
        var what = reason switch
        {
            ResilientSessionEndReason.ClosedByClient => "was closed by the client",
            ResilientSessionEndReason.ClosedByServer => "was closed by the application",
            ResilientSessionEndReason.Expired => "was lost: the client did not resume it within the resume window",
            ResilientSessionEndReason.ProtocolError => "was lost: the client broke the session protocol",
            ResilientSessionEndReason.MessageTooLarge => "was lost: the client sent a message over MaxMessageSize",
            ResilientSessionEndReason.HandlerFailed => "was lost: its handler threw",
            ResilientSessionEndReason.ServerStopping => "was lost: the server is stopping",
            _ => "ended",
        };
        var message = $"Session {sessionId} {what}; {unacknowledged} message(s) sent to the client were not acknowledged and may not have been delivered.";
        return detail is null ? message : $"{message} ({detail})";
    }
}
