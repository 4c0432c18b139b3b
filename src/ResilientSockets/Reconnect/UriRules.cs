using System;

using ResilientSockets.Diagnostics;

namespace ResilientSockets.Reconnect;

internal static class UriRules
{
    /// <summary>Returns what is wrong with a server address, phrased as advice, or <see langword="null"/>.</summary>
    public static string? Check(Uri uri)
    {
        if (!uri.IsAbsoluteUri)
        {
            return $"Uri must be absolute, like ws://host:port/path (was '{uri.OriginalString}').";
        }

        var scheme = uri.Scheme;
        if (scheme == "ws" || scheme == "wss")
        {
            return null;
        }

        if (scheme == Uri.UriSchemeHttp || scheme == Uri.UriSchemeHttps)
        {
            var suggested = (scheme == Uri.UriSchemeHttps ? "wss" : "ws") + uri.AbsoluteUri.Substring(scheme.Length);
            return $"Uri uses the {scheme}:// scheme; WebSocket addresses use ws:// (or wss:// for TLS). Use '{UriRedactor.Redact(new Uri(suggested))}' instead.";
        }

        return $"Uri scheme '{scheme}' is not a WebSocket scheme; use ws:// or wss://.";
    }

    /// <summary>
    /// Returns advice when the address is a Socket.IO (Engine.IO) endpoint: a <c>socket.io</c> path segment or an
    /// <c>EIO=</c> query parameter. Such a server answers the handshake with 101 and then speaks its own protocol, so
    /// the client would open and fault a moment later; refusing before connecting says why at once.
    /// </summary>
    public static string? CheckNotSocketIo(Uri uri)
    {
        if (!LooksLikeSocketIo(uri))
        {
            return null;
        }

        return $"'{UriRedactor.Redact(uri)}' is a Socket.IO (Engine.IO) address (a '/socket.io/' path or an 'EIO=' query parameter), so the client refused it before connecting. "
            + "Socket.IO is its own protocol on top of WebSocket (Engine.IO packets, namespaces, acks, its own ping); a plain WebSocket client cannot take part. "
            + "Use a Socket.IO client library for that server, or point this client at a plain WebSocket endpoint.";
    }

    public static bool LooksLikeSocketIo(Uri uri)
    {
        if (!uri.IsAbsoluteUri)
        {
            return false;
        }

        foreach (var segment in uri.AbsolutePath.Split('/'))
        {
            if (segment.Equals("socket.io", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        foreach (var parameter in uri.Query.TrimStart('?').Split('&'))
        {
            if (parameter.StartsWith("EIO=", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
