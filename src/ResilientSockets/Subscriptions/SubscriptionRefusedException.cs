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
