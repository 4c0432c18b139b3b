using System;

namespace ResilientSockets;

/// <summary>Per-call settings of a request (<see cref="ResilientWebSocket.RequestAsync(string, ReadOnlyMemory{byte}, RequestOptions?, System.Threading.CancellationToken)"/>).</summary>
public sealed class RequestOptions
{
    /// <summary>Gets or sets how long to wait for the response, counted from the call (queueing and reconnects included).</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="SubscriptionOptions.RequestTimeout"/>.</value>
    public TimeSpan? Timeout { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the request may be sent twice. When the link drops after the request was
    /// written and before its response came, an idempotent request is sent again on the next connection; any other fails
    /// with <see cref="RequestInterruptedException"/>, because the server may or may not have acted on it.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool Idempotent { get; set; }
}
