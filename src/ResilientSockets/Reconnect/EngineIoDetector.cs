using System;
using System.Net.WebSockets;
using ResilientSockets.Internal;

namespace ResilientSockets.Reconnect;

/// <summary>Recognises a Socket.IO (Engine.IO) server by the open packet it sends first: <c>0{"sid":...,"pingInterval":...}</c>.</summary>
internal static class EngineIoDetector
{
    public static bool IsOpenPacket(WebSocketMessageType messageType, ReadOnlySpan<byte> payload)
    {
        if (messageType != WebSocketMessageType.Text || payload.Length < 8 || payload.Length > 4096 || payload[0] != (byte)'0' || payload[1] != (byte)'{')
        {
            return false;
        }

        var text = Utf8.Decode(payload);
        return text.IndexOf("\"sid\"", StringComparison.Ordinal) > 0 && text.IndexOf("\"pingInterval\"", StringComparison.Ordinal) > 0;
    }

    public static ResilientWebSocketException Error()
        => new WebSocketConnectException(
            "The server sent a Socket.IO (Engine.IO) open packet: it is a Socket.IO server. Socket.IO is its own protocol on top of WebSocket "
            + "(packet types, namespaces, acks, its own ping); a plain WebSocket client cannot take part. Use a Socket.IO client library, "
            + "or point this client at a plain WebSocket endpoint.",
            null,
            isTransient: false);
}
