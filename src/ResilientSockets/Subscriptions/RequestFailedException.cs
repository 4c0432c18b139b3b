using System;

namespace ResilientSockets;

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
