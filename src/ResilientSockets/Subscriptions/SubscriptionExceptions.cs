using System;

namespace ResilientSockets;

/// <summary>The server refused a subscription, or ended it with an error: the subscription's stream ends with this.</summary>
public sealed class SubscriptionRefusedException : ResilientWebSocketException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="serverMessage">The server's error text.</param>
    /// <param name="details">The error's raw JSON, if any.</param>
    public SubscriptionRefusedException(string topic, string serverMessage, string? details)
        : base($"The server refused the subscription to '{topic}': {serverMessage}")
    {
        Topic = topic;
        ServerMessage = serverMessage;
        Details = details;
    }

    /// <summary>Gets the topic.</summary>
    public string Topic { get; }

    /// <summary>Gets the server's error text.</summary>
    public string ServerMessage { get; }

    /// <summary>Gets the server's error as raw JSON, if it sent details.</summary>
    public string? Details { get; }
}

/// <summary>The server answered a request with an error.</summary>
public sealed class RequestFailedException : ResilientWebSocketException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="method">The method.</param>
    /// <param name="serverMessage">The server's error text.</param>
    /// <param name="details">The error's raw JSON, if any.</param>
    public RequestFailedException(string method, string serverMessage, string? details)
        : base($"The server answered '{method}' with an error: {serverMessage}")
    {
        Method = method;
        ServerMessage = serverMessage;
        Details = details;
    }

    /// <summary>Gets the method (graphql-ws: the document) that failed.</summary>
    public string Method { get; }

    /// <summary>Gets the server's error text.</summary>
    public string ServerMessage { get; }

    /// <summary>Gets the server's error as raw JSON (JSON-RPC: the whole <c>error</c> object with <c>code</c>), if it sent details.</summary>
    public string? Details { get; }
}

/// <summary>
/// The link dropped after a request was written and before its response came, and the request was not marked
/// <see cref="RequestOptions.Idempotent"/>: the server may or may not have acted on it.
/// </summary>
public sealed class RequestInterruptedException : ResilientWebSocketException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="method">The method.</param>
    public RequestInterruptedException(string method)
        : base($"The connection dropped while '{method}' awaited its response; it was not sent again because it is not marked Idempotent (RequestOptions.Idempotent). Check on the server whether it took effect.")
    {
        Method = method;
    }

    /// <summary>Gets the method.</summary>
    public string Method { get; }
}

/// <summary>The protocol handshake of a new connection failed or timed out (a graphql-ws server that never sends <c>connection_ack</c>).</summary>
public sealed class ProtocolHandshakeException : ResilientWebSocketException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public ProtocolHandshakeException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
