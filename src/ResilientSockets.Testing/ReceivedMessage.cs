using System;
using System.Net.WebSockets;
using System.Text;

namespace ResilientSockets.Testing;

/// <summary>One whole message a <see cref="LoopbackWebSocketServer"/> received.</summary>
public sealed class ReceivedMessage
{
    internal ReceivedMessage(int connectionId, WebSocketMessageType messageType, byte[] data)
    {
        ConnectionId = connectionId;
        MessageType = messageType;
        Data = data;
    }

    /// <summary>Gets the id of the connection it arrived on.</summary>
    public int ConnectionId { get; }

    /// <summary>Gets whether it was text or binary.</summary>
    public WebSocketMessageType MessageType { get; }

    /// <summary>Gets the payload.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Gets the payload decoded as UTF-8.</summary>
    public string Text => Encoding.UTF8.GetString(Data.Span);

    /// <inheritdoc />
    public override string ToString() => MessageType == WebSocketMessageType.Text ? Text : $"Binary[{Data.Length}]";
}
