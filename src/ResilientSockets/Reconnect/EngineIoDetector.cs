using System;
using System.Collections.Generic;
using System.Linq;
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

    /// <summary>
    /// Recognises Engine.IO's refusal of an upgrade it cannot place (no <c>transport=websocket</c>, on any path it serves).
    /// The runtime does not expose the response body ("Transport unknown"), only the headers, so the shape is used:
    /// Engine.IO writes its 400 by hand on the raw socket with <c>Connection: close</c> and no <c>Date</c> or
    /// <c>Server</c> header, where HTTP servers and proxies (Kestrel, nginx, Node's http, IIS) always send <c>Date</c>.
    /// Unavailable on netstandard2.0 (no response headers there): the generic 400 advice names Socket.IO instead.
    /// </summary>
    public static bool IsEngineIoRejection(IReadOnlyDictionary<string, IEnumerable<string>>? headers)
    {
        if (headers is null || headers.Count == 0)
        {
            return false;
        }

        var keys = headers.Keys.ToArray();
        bool Has(string name) => keys.Any(k => k.Equals(name, StringComparison.OrdinalIgnoreCase));
        var closes = headers.Where(h => h.Key.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            .SelectMany(h => h.Value)
            .Any(v => v.Equals("close", StringComparison.OrdinalIgnoreCase));
        return closes && !Has("Date") && !Has("Server");
    }

    public static ResilientWebSocketException Error()
        => new WebSocketConnectException(
            "The server sent a Socket.IO (Engine.IO) open packet: it is a Socket.IO server. Socket.IO is its own protocol on top of WebSocket "
            + "(packet types, namespaces, acks, its own ping); a plain WebSocket client cannot take part. Use a Socket.IO client library, "
            + "or point this client at a plain WebSocket endpoint.",
            null,
            isTransient: false);
}
