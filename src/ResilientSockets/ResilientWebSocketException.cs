using System;

namespace ResilientSockets;

/// <summary>The base of every exception this library throws for a WebSocket-level problem.</summary>
public class ResilientWebSocketException : Exception
{
    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What went wrong and what to do about it.</param>
    public ResilientWebSocketException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the underlying error.</summary>
    /// <param name="message">What went wrong and what to do about it.</param>
    /// <param name="innerException">The underlying error.</param>
    public ResilientWebSocketException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
