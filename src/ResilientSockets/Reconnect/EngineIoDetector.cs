using System;
using ResilientSockets.Internal;

namespace ResilientSockets.Reconnect;

/// <summary>Recognises a Socket.IO (Engine.IO) server by the open packet it sends first: <c>0{"sid":...,"pingInterval":...}</c>.</summary>
internal static class EngineIoDetector
{
    public static bool IsOpenPacket(WebSocketMessage message)
    {
        if (!message.IsText || message.Data.Length < 8 || message.Data.Length > 4096 || message.Data.Span[0] != (byte)'0' || message.Data.Span[1] != (byte)'{')
        {
            return false;
        }

        var text = Utf8.Decode(message.Data.Span);
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
