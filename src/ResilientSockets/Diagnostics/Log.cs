using System;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;

namespace ResilientSockets.Diagnostics;

// Event ids are part of the public contract (people filter on them): add, never renumber.
// No message carries a query string, a header value or a payload.
internal static partial class Log
{
    private static readonly Func<ILogger, string, IDisposable?> ClientScope =
        LoggerMessage.DefineScope<string>("ResilientWebSocket {ClientName}");

    public static IDisposable? BeginClientScope(ILogger logger, string name) => ClientScope(logger, name);

    [LoggerMessage(1, LogLevel.Debug, "State {PreviousState} -> {State}", EventName = "StateChanged")]
    public static partial void StateChanged(ILogger logger, ConnectionState previousState, ConnectionState state);

    [LoggerMessage(2, LogLevel.Debug, "Connection attempt {AttemptNumber} to {Uri}", EventName = "Connecting")]
    public static partial void Connecting(ILogger logger, int attemptNumber, string uri);

    [LoggerMessage(3, LogLevel.Information, "Connected to {Uri} in {ElapsedMilliseconds} ms (attempt {AttemptNumber})", EventName = "Connected")]
    public static partial void Connected(ILogger logger, string uri, long elapsedMilliseconds, int attemptNumber);

    [LoggerMessage(4, LogLevel.Warning, "Connection attempt {AttemptNumber} failed: {Reason}", EventName = "ConnectAttemptFailed")]
    public static partial void ConnectAttemptFailed(ILogger logger, int attemptNumber, string reason);

    [LoggerMessage(5, LogLevel.Information, "Next connection attempt in {DelayMilliseconds} ms", EventName = "ReconnectScheduled")]
    public static partial void ReconnectScheduled(ILogger logger, long delayMilliseconds);

    [LoggerMessage(6, LogLevel.Warning, "Connection lost after {UptimeMilliseconds} ms: {Reason}", EventName = "ConnectionLost")]
    public static partial void ConnectionLost(ILogger logger, long uptimeMilliseconds, string reason);

    [LoggerMessage(7, LogLevel.Information, "Server closed the connection with {CloseStatus} '{CloseDescription}'", EventName = "ServerClosed")]
    public static partial void ServerClosed(ILogger logger, WebSocketCloseStatus? closeStatus, string? closeDescription);

    [LoggerMessage(8, LogLevel.Information, "Stopping", EventName = "Stopping")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(9, LogLevel.Information, "Stopped", EventName = "Stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(10, LogLevel.Error, "Gave up connecting: {Reason}", EventName = "Faulted")]
    public static partial void Faulted(ILogger logger, string reason);

    [LoggerMessage(11, LogLevel.Warning, "{Direction} {MessageType} message of {Length} bytes dropped: {Reason}", EventName = "MessageDropped")]
    public static partial void MessageDropped(ILogger logger, MessageDirection direction, WebSocketMessageType messageType, int length, MessageDropReason reason);

    [LoggerMessage(12, LogLevel.Error, "A {HandlerName} handler threw; the client carries on", EventName = "HandlerFailed")]
    public static partial void HandlerFailed(ILogger logger, string handlerName, Exception exception);

    [LoggerMessage(13, LogLevel.Warning, "Received a message larger than {Limit} bytes; closing with 1009", EventName = "MessageTooLarge")]
    public static partial void MessageTooLarge(ILogger logger, int limit);

    [LoggerMessage(14, LogLevel.Warning, "{Count} queued messages were not sent: {Reason}", EventName = "QueuedMessagesFailed")]
    public static partial void QueuedMessagesFailed(ILogger logger, int count, MessageDropReason reason);

    [LoggerMessage(15, LogLevel.Debug, "Write failed; the message goes first on the next connection: {Reason}", EventName = "SendFailed")]
    public static partial void SendFailed(ILogger logger, string reason);

    [LoggerMessage(16, LogLevel.Warning, "The close handshake did not complete within {TimeoutMilliseconds} ms; aborting", EventName = "CloseTimedOut")]
    public static partial void CloseTimedOut(ILogger logger, long timeoutMilliseconds);

    [LoggerMessage(17, LogLevel.Information, "Starting", EventName = "Starting")]
    public static partial void Starting(ILogger logger);

    [LoggerMessage(18, LogLevel.Warning, "Chunk frame rejected (transfer {TransferId}, {Error}): {Reason}", EventName = "TransferFrameRejected")]
    public static partial void TransferFrameRejected(ILogger logger, Guid? transferId, ChunkTransferError error, string reason);

    [LoggerMessage(19, LogLevel.Information, "Message queued before StartAsync; it is sent once the client is started (logged once per client)", EventName = "QueuedBeforeStart")]
    public static partial void QueuedBeforeStart(ILogger logger);

    [LoggerMessage(20, LogLevel.Warning, "Inbound {MessageType} message of {Length} bytes not delivered to reader '{Reader}': {Reason}", EventName = "InboundMessageDropped")]
    public static partial void InboundMessageDropped(ILogger logger, string reader, WebSocketMessageType messageType, int length, MessageDropReason reason);
    [LoggerMessage(21, LogLevel.Debug, "{Kind} frame for transfer {TransferId} ignored: no such outgoing transfer (it already ended)", EventName = "TransferControlFrameIgnored")]
    public static partial void TransferControlFrameIgnored(ILogger logger, Guid transferId, ChunkFrameKind kind);

    [LoggerMessage(22, LogLevel.Warning, "Session {LostSessionId} was lost ({Unacknowledged} sent messages unacknowledged); new session {NewSessionId}", EventName = "SessionLost")]
    public static partial void SessionLost(ILogger logger, Guid lostSessionId, int unacknowledged, Guid newSessionId);

    [LoggerMessage(23, LogLevel.Information, "Session {SessionId} resumed; {Replayed} messages replayed", EventName = "SessionResumed")]
    public static partial void SessionResumed(ILogger logger, Guid sessionId, int replayed);

    [LoggerMessage(24, LogLevel.Warning, "The drain before stopping did not finish within {TimeoutMilliseconds} ms ({Queued} queued, {Unacknowledged} unacknowledged)", EventName = "DrainTimedOut")]
    public static partial void DrainTimedOut(ILogger logger, long timeoutMilliseconds, int queued, int unacknowledged);

    [LoggerMessage(25, LogLevel.Error, "Session protocol error: {Reason}", EventName = "SessionProtocolError")]
    public static partial void SessionProtocolError(ILogger logger, string reason);

    // 50-59: lifecycle controls, connectivity and transports.
    [LoggerMessage(50, LogLevel.Information, "Paused by the application: the connection is closed cleanly and no attempt is made until resumed", EventName = "Paused")]
    public static partial void Paused(ILogger logger);

    [LoggerMessage(51, LogLevel.Information, "Resumed by the application: reconnecting", EventName = "Resumed")]
    public static partial void Resumed(ILogger logger);

    [LoggerMessage(52, LogLevel.Information, "Reconnect requested: the backoff wait is skipped", EventName = "ReconnectNow")]
    public static partial void ReconnectNow(ILogger logger);

    [LoggerMessage(53, LogLevel.Warning, "The connectivity source reports the network lost: no attempts until it is back", EventName = "NetworkLost")]
    public static partial void NetworkLost(ILogger logger);

    [LoggerMessage(54, LogLevel.Information, "The connectivity source reports the network back: reconnecting at once if disconnected", EventName = "NetworkRestored")]
    public static partial void NetworkRestored(ILogger logger);

    [LoggerMessage(55, LogLevel.Debug, "Transport: HTTP/{HttpVersion} ({VersionPolicy}), shared invoker {SharedInvoker}, permessage-deflate {Compression}", EventName = "TransportSelected")]
    public static partial void TransportSelected(ILogger logger, string httpVersion, WebSocketVersionPolicy versionPolicy, bool sharedInvoker, bool compression);

    [LoggerMessage(56, LogLevel.Warning, "Running in the browser, which cannot honour these settings; they are ignored: {Settings}", EventName = "BrowserIgnoredOptions")]
    public static partial void BrowserIgnoredOptions(ILogger logger, string settings);

    // 30-39: shared subscriptions and requests (Subscriptions/).
    [LoggerMessage(30, LogLevel.Information, "Restored {SubscriptionCount} subscriptions and resent {RequestCount} interrupted idempotent requests on the new connection", EventName = "SubscriptionsRestored")]
    public static partial void SubscriptionsRestored(ILogger logger, int subscriptionCount, int requestCount);

    [LoggerMessage(31, LogLevel.Warning, "Protocol handshake failed: {Reason}", EventName = "ProtocolHandshakeFailed")]
    public static partial void ProtocolHandshakeFailed(ILogger logger, string reason);

    [LoggerMessage(32, LogLevel.Warning, "The server refused subscription {SubscriptionId} to '{Topic}': {Reason}", EventName = "SubscriptionRefused")]
    public static partial void SubscriptionRefused(ILogger logger, string subscriptionId, string topic, string reason);

    [LoggerMessage(33, LogLevel.Warning, "{Kind} for id '{Id}' matches no pending request or subscription (timed out, cancelled, answered already, or unknown): dropped", EventName = "UnmatchedResponse")]
    public static partial void UnmatchedResponse(ILogger logger, ProtocolMessageKind kind, string id);

    [LoggerMessage(34, LogLevel.Warning, "Malformed protocol message of {Length} bytes dropped: {Reason}", EventName = "MalformedProtocolMessage")]
    public static partial void MalformedProtocolMessage(ILogger logger, int length, string reason);

    [LoggerMessage(35, LogLevel.Warning, "Request {RequestId} '{Method}' got no response within {TimeoutMilliseconds} ms", EventName = "RequestTimedOut")]
    public static partial void RequestTimedOut(ILogger logger, string requestId, string method, long timeoutMilliseconds);

    [LoggerMessage(36, LogLevel.Warning, "Connection lost with requests in flight: {FailedCount} failed (not idempotent), {ResentCount} will be sent again", EventName = "RequestsInterrupted")]
    public static partial void RequestsInterrupted(ILogger logger, int failedCount, int resentCount);

    [LoggerMessage(37, LogLevel.Information, "The server completed subscription {SubscriptionId} to '{Topic}'", EventName = "SubscriptionCompletedByServer")]
    public static partial void SubscriptionCompletedByServer(ILogger logger, string subscriptionId, string topic);

    [LoggerMessage(38, LogLevel.Debug, "A {Kind} message for '{Topic}' was not sent: {Reason}", EventName = "ControlMessageNotSent")]
    public static partial void ControlMessageNotSent(ILogger logger, string kind, string topic, string reason);

    [LoggerMessage(39, LogLevel.Debug, "{Kind} for id '{Id}' arrived after its subscription or request ended: dropped", EventName = "LateControlMessage")]
    public static partial void LateControlMessage(ILogger logger, ProtocolMessageKind kind, string id);
}
