using System;
using System.Collections.Generic;
using System.Net.WebSockets;

namespace ResilientSockets.Platform;

/// <summary>
/// What the client does differently in the browser (Blazor WebAssembly), where <see cref="ClientWebSocket"/> is the
/// page's JavaScript WebSocket: keep-alive, HTTP versions, invokers, headers, proxies, certificates and response details
/// are not the .NET runtime's to set (the options throw <see cref="PlatformNotSupportedException"/>).
/// </summary>
/// <remarks>
/// Every decision takes <c>isBrowser</c> as an argument so tests on a desktop runtime can take the browser's path;
/// the client passes <see cref="IsCurrent"/>. Only the net10.0 build runs in the browser (a browser-wasm app always
/// resolves the net10.0 asset), so the netstandard2.0 build never takes this path.
/// </remarks>
internal static class BrowserPlatform
{
    /// <summary>Gets a value indicating whether this process is .NET in a browser.</summary>
#if NET
    public static bool IsCurrent { get; } = OperatingSystem.IsBrowser();
#else
    public static bool IsCurrent => false;
#endif

    /// <summary>
    /// Adds an error for each setting the browser cannot honour and the user would rely on: a shared invoker or an HTTP
    /// version (the browser picks its own transport) and a keep-alive timeout (a dead-link check that would never run).
    /// </summary>
    public static void Validate(HeartbeatOptions? heartbeat, TransportOptions? transport, bool isBrowser, List<string> errors)
    {
        if (!isBrowser)
        {
            return;
        }

        if (transport is not null)
        {
            if (transport.HttpInvoker is not null)
            {
                errors.Add("Transport.HttpInvoker is not supported in the browser (the page's WebSocket makes its own connection): leave it null.");
            }

            if (transport.HttpVersion is not null || transport.VersionPolicy != WebSocketVersionPolicy.RequestVersionOrLower)
            {
                errors.Add("Transport.HttpVersion and Transport.VersionPolicy are not supported in the browser (it chooses the HTTP version itself): leave them at their defaults.");
            }
        }

        if (heartbeat is not null && heartbeat.KeepAliveTimeout != HeartbeatOptions.DefaultKeepAliveTimeout)
        {
            errors.Add($"Heartbeat.KeepAliveTimeout ({heartbeat.KeepAliveTimeout}) is not supported in the browser (it neither sends protocol PINGs nor lets the page await PONGs): leave it at its default and detect dead links with Heartbeat.Enabled or Heartbeat.ReceiveTimeout.");
        }
    }

    /// <summary>
    /// Names the settings that are ignored in the browser although the user changed them (for one warning per client),
    /// or returns <see langword="null"/> when there are none. Settings left at their defaults are skipped silently.
    /// </summary>
    public static string? DescribeIgnored(HeartbeatOptions heartbeat, TransportOptions transport, bool isBrowser)
    {
        if (!isBrowser)
        {
            return null;
        }

        var ignored = new List<string>();
        if (heartbeat.KeepAliveInterval != HeartbeatOptions.DefaultKeepAliveInterval && heartbeat.KeepAliveInterval != TimeSpan.Zero)
        {
            ignored.Add($"Heartbeat.KeepAliveInterval ({heartbeat.KeepAliveInterval}: the browser sends no protocol PINGs)");
        }

        if (transport.Compression is not null)
        {
            ignored.Add("Transport.Compression (the browser negotiates permessage-deflate itself, with its own window sizes)");
        }

        return ignored.Count == 0 ? null : string.Join("; ", ignored);
    }

    /// <summary>
    /// Sets one attempt's keep-alive and response-detail options, outside the browser only (there each of them throws
    /// <see cref="PlatformNotSupportedException"/>). <see cref="TransportOptions"/> are applied by the caller, also only
    /// outside the browser: all but Compression are rejected there, and Compression is ignored.
    /// </summary>
    public static void ApplySocketOptions(ClientWebSocketOptions options, HeartbeatOptions heartbeat, bool isBrowser)
    {
        if (isBrowser)
        {
            return;
        }

        options.KeepAliveInterval = heartbeat.KeepAliveInterval;
#if NET
        options.KeepAliveTimeout = heartbeat.KeepAliveTimeout;
        options.CollectHttpResponseDetails = true;
#endif
    }

    /// <summary>The error for an <c>OnConnecting</c> hook that set something the platform does not support (a header, a proxy, a certificate in the browser).</summary>
    public static string DescribeUnsupportedHookCall(PlatformNotSupportedException error)
        => $"OnConnecting set a ClientWebSocketOptions member this platform does not support ({error.Message}). In the browser, request headers, cookies, proxies, credentials and client certificates cannot be set: carry a token in the query string (ConnectingContext.Uri) or in a subprotocol (ConnectingContext.Options.AddSubProtocol) instead.";
}
