using System;

namespace ResilientSockets;

/// <summary>A connection attempt failed: the handshake was refused, timed out, or the on-connected hook threw.</summary>
public sealed class WebSocketConnectException : ResilientWebSocketException
{
    internal WebSocketConnectException(
        string message,
        Exception? innerException,
        bool isTransient,
        int? statusCode = null,
        TimeSpan? retryAfter = null)
        : base(message, innerException)
    {
        IsTransient = isTransient;
        StatusCode = statusCode;
        RetryAfter = retryAfter;
    }

    /// <summary>Gets a value indicating whether another attempt can succeed. Non-transient failures are not retried by the default pipeline.</summary>
    public bool IsTransient { get; }

    /// <summary>Gets the HTTP status the server answered the handshake with, when it answered with one.</summary>
    public int? StatusCode { get; }

    /// <summary>Gets the delay the server asked for in a <c>Retry-After</c> header (429, 503), when it sent one.</summary>
    public TimeSpan? RetryAfter { get; }
}
