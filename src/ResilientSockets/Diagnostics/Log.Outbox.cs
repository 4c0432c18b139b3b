using Microsoft.Extensions.Logging;

namespace ResilientSockets.Diagnostics;

/// <summary>The durable outbox's log events (60–64).</summary>
internal static partial class Log
{
    [LoggerMessage(60, LogLevel.Information, "Outbox loaded: {Pending} messages pending from before this start ({Expired} expired and removed); they are sent first", EventName = "OutboxLoaded")]
    public static partial void OutboxLoaded(ILogger logger, int pending, int expired);

    [LoggerMessage(61, LogLevel.Information, "Restored session {SessionId} from the outbox's checkpoint: resuming it", EventName = "OutboxSessionRestored")]
    public static partial void OutboxSessionRestored(ILogger logger, System.Guid sessionId);

    [LoggerMessage(62, LogLevel.Information, "Resumed the restored session: the server had {Delivered} of the pending messages already; {Remaining} are sent again", EventName = "OutboxSessionResumed")]
    public static partial void OutboxSessionResumed(ILogger logger, int delivered, int remaining);

    [LoggerMessage(63, LogLevel.Error, "The outbox store failed to {What} the store: {Message}. Those records stay stored and are sent again after a restart", EventName = "OutboxStoreFailed")]
    public static partial void OutboxStoreFailed(ILogger logger, string what, string message);

    [LoggerMessage(64, LogLevel.Warning, "Durable message #{OutboxId} was not sent: {Reason}; it left the outbox", EventName = "OutboxMessageDropped")]
    public static partial void OutboxMessageDropped(ILogger logger, long outboxId, MessageDropReason reason);
}
