using System;
using System.Net.WebSockets;

namespace ResilientSockets.Reconnect;

/// <summary>
/// Recognises a server that answered the handshake with 101 and then wrote something other than WebSocket frames.
/// </summary>
/// <remarks>
/// The runtime does not expose the bytes it could not parse, only its complaint. Text written into the upgraded stream
/// (an HTTP response such as Engine.IO's <c>HTTP/1.1 400 Bad Request</c> "Unsupported protocol version", JSON, a
/// banner) starts with an ASCII letter or brace, and every such byte, read as a frame header, has the RSV1 bit set:
/// the runtime then reports a "compressed" frame although no compression was negotiated. A byte stream that is not
/// WebSocket framing will not become WebSocket framing on the next connection, so this is not transient: retrying
/// would loop forever on a server that accepts every handshake.
/// </remarks>
internal static class NotWebSocketDetector
{
    // The runtime's wording (System.Net.WebSockets ships no translations): "The WebSocket received compressed frame when compression is not enabled."
    private const string CompressedWithoutCompression = "compressed frame when compression is not enabled";

    /// <summary>Returns the fault to report when <paramref name="cause"/> shows the server is not speaking WebSocket, else <see langword="null"/>.</summary>
    public static WebSocketConnectException? Diagnose(Exception? cause)
    {
        for (var e = cause; e is not null; e = e.InnerException)
        {
            if (e is WebSocketException { WebSocketErrorCode: WebSocketError.Faulted } ws
                && ws.Message.IndexOf(CompressedWithoutCompression, StringComparison.OrdinalIgnoreCase) >= 0)
            {
                return new WebSocketConnectException(
                    "The server accepted the WebSocket handshake (101) but then wrote bytes that are not WebSocket frames: the first one reads as a frame "
                    + "with the 'compressed' bit set, which is what text looks like, such as an HTTP response ('HTTP/1.1 400 Bad Request') written into the "
                    + "upgraded connection. This is not a WebSocket server, and reconnecting cannot help. A Socket.IO (Engine.IO) server does exactly this "
                    + "when the address lacks its EIO parameter ('Unsupported protocol version'): use a Socket.IO client for it. "
                    + "Otherwise point this client at a plain WebSocket endpoint.",
                    e,
                    isTransient: false);
            }
        }

        return null;
    }
}
