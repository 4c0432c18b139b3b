using System;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;

namespace ResilientSockets.Server.Diagnostics;

// Event ids 200-249 belong to this package and are part of its contract (people filter on them): add, never renumber.
// No message carries a payload, a query string or a header value.
internal static partial class Log
{
    private static readonly Func<ILogger, Guid, IDisposable?> SessionScope =
        LoggerMessage.DefineScope<Guid>("ResilientSession {SessionId}");

    public static IDisposable? BeginSessionScope(ILogger logger, Guid sessionId) => SessionScope(logger, sessionId);

    [LoggerMessage(200, LogLevel.Information, "Session {SessionId} started", EventName = "SessionStarted")]
    public static partial void SessionStarted(ILogger logger, Guid sessionId);

    [LoggerMessage(201, LogLevel.Information, "Session {SessionId} resumed; replaying {ReplayCount} message(s) after the client's {LastReceived}", EventName = "SessionResumed")]
    public static partial void SessionResumed(ILogger logger, Guid sessionId, long replayCount, ulong lastReceived);

    [LoggerMessage(202, LogLevel.Information, "Session {SessionId} detached ({Reason}); kept for {ResumeWindowMilliseconds} ms", EventName = "SessionDetached")]
    public static partial void SessionDetached(ILogger logger, Guid sessionId, string reason, long resumeWindowMilliseconds);

    [LoggerMessage(203, LogLevel.Warning, "Session {SessionId} lost ({Reason}); {Unacknowledged} sent message(s) unacknowledged", EventName = "SessionLost")]
    public static partial void SessionLost(ILogger logger, Guid sessionId, ResilientSessionEndReason reason, long unacknowledged);

    [LoggerMessage(204, LogLevel.Information, "Session {SessionId} closed ({Reason})", EventName = "SessionClosed")]
    public static partial void SessionClosed(ILogger logger, Guid sessionId, ResilientSessionEndReason reason);

    [LoggerMessage(205, LogLevel.Warning, "Session protocol error, closing with 1002: {Reason}", EventName = "ProtocolError")]
    public static partial void ProtocolError(ILogger logger, string reason);

    [LoggerMessage(206, LogLevel.Information, "Rejected a request without the session subprotocol with 400: {Reason}", EventName = "HandshakeRejected")]
    public static partial void HandshakeRejected(ILogger logger, string reason);

    [LoggerMessage(207, LogLevel.Information, "No HELLO within {TimeoutMilliseconds} ms; connection aborted", EventName = "HandshakeTimedOut")]
    public static partial void HandshakeTimedOut(ILogger logger, long timeoutMilliseconds);

    [LoggerMessage(208, LogLevel.Information, "Session {SessionId}: a new HELLO replaces the attached connection (aborted)", EventName = "ConnectionReplaced")]
    public static partial void ConnectionReplaced(ILogger logger, Guid sessionId);

    [LoggerMessage(209, LogLevel.Error, "Session {SessionId}: the handler threw; closing with 1011", EventName = "HandlerFailed")]
    public static partial void HandlerFailed(ILogger logger, Guid sessionId, Exception exception);

    [LoggerMessage(210, LogLevel.Warning, "Received a message over {Limit} bytes; closing with 1009", EventName = "MessageTooLarge")]
    public static partial void MessageTooLarge(ILogger logger, int limit);

    [LoggerMessage(211, LogLevel.Warning, "{MaxSessions} sessions already; a new session was refused with 1013", EventName = "TooManySessions")]
    public static partial void TooManySessions(ILogger logger, int maxSessions);

    [LoggerMessage(212, LogLevel.Information, "HELLO for unknown session {PresentedId}: answered lost, new session {SessionId}", EventName = "UnknownSession")]
    public static partial void UnknownSession(ILogger logger, Guid presentedId, Guid sessionId);

    [LoggerMessage(213, LogLevel.Debug, "Connection ended: {Reason}", EventName = "ConnectionEnded")]
    public static partial void ConnectionEnded(ILogger logger, string reason);

    [LoggerMessage(214, LogLevel.Debug, "Closing the connection with {Status} '{Description}'", EventName = "Closing")]
    public static partial void Closing(ILogger logger, WebSocketCloseStatus status, string description);
}
