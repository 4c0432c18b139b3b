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
}
