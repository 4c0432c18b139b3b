using System;
using System.Threading.Tasks;

namespace ResilientSockets.Testing;

/// <summary>A scripted behaviour for one path of a <see cref="LoopbackWebSocketServer"/>.</summary>
public sealed class ServerRoute
{
    /// <summary>Gets or sets what runs when a client connects (before any message is read).</summary>
    public Func<ServerConnection, Task>? OnConnected { get; set; }

    /// <summary>Gets or sets what runs for every message received (after it has been recorded).</summary>
    public Func<ServerConnection, ReceivedMessage, Task>? OnMessage { get; set; }

    /// <summary>Gets or sets a value indicating whether messages on this route are kept in <see cref="ServerConnection.Received"/>. Turn it off for bulk traffic.</summary>
    public bool RecordMessages { get; set; } = true;

    /// <summary>A route that sends every message back unchanged.</summary>
    public static ServerRoute Echo() => new() { OnMessage = (connection, message) => connection.SendAsync(message.Data, message.MessageType) };

    /// <summary>A route that only records what it receives.</summary>
    public static ServerRoute Sink() => new();
}
