using System;
using System.Collections.Generic;
using System.Net.Http;

namespace ResilientSockets;

/// <summary>
/// How the WebSocket is carried: HTTP/1.1 upgrade (the default) or HTTP/2 extended CONNECT (RFC 8441) through a shared
/// <see cref="HttpMessageInvoker"/>, and optional permessage-deflate. Everything here needs the net10.0 build; the
/// netstandard2.0 build rejects any non-default value at construction.
/// </summary>
/// <example>
/// <code>
/// var shared = new HttpMessageInvoker(new SocketsHttpHandler());   // one per process; many clients share its HTTP/2 connection
/// var options = new ResilientWebSocketOptions
/// {
///     Uri = new Uri("wss://example.com/feed"),
///     Transport = { HttpInvoker = shared },                      // HTTP/2 if the server offers it, else HTTP/1.1
/// };
/// </code>
/// </example>
public sealed class TransportOptions
{
    /// <summary>
    /// Gets or sets the invoker every handshake goes through (typically one <c>SocketsHttpHandler</c> shared by many
    /// clients, so their WebSockets are multiplexed as streams of one HTTP/2 connection). The client never disposes it.
    /// Proxy, credentials, cookies, client certificates and certificate validation must then be configured on the handler:
    /// setting them in <see cref="ResilientWebSocketOptions.OnConnecting"/> fails the attempt with an error naming them.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: each connection makes its own HTTP connection.</value>
    public HttpMessageInvoker? HttpInvoker { get; set; }

    /// <summary>Gets or sets the HTTP version requested for the handshake: 1.1 (upgrade) or 2.0 (extended CONNECT).</summary>
    /// <value>The default value is <see langword="null"/>: 2.0 when <see cref="HttpInvoker"/> is set, 1.1 otherwise.</value>
    public Version? HttpVersion { get; set; }

    /// <summary>Gets or sets whether the client may fall back from, or go beyond, <see cref="HttpVersion"/>.</summary>
    /// <value>
    /// The default value is <see cref="WebSocketVersionPolicy.RequestVersionOrLower"/>, so a server without WebSockets over
    /// HTTP/2 (no extended CONNECT; dotnet/runtime#111470) is still reached over HTTP/1.1. Over <c>ws://</c> HTTP/2 is
    /// used only with <see cref="WebSocketVersionPolicy.RequestVersionExact"/> (prior knowledge); over <c>wss://</c> it is
    /// negotiated by ALPN.
    /// </value>
    public WebSocketVersionPolicy VersionPolicy { get; set; } = WebSocketVersionPolicy.RequestVersionOrLower;

    /// <summary>Gets or sets permessage-deflate compression (mind the CRIME/BREACH caveat on <see cref="PerMessageDeflateOptions"/>).</summary>
    /// <value>The default value is <see langword="null"/>: no compression is offered.</value>
    public PerMessageDeflateOptions? Compression { get; set; }

    /// <summary>Gets the HTTP version a handshake requests once the default is resolved.</summary>
    internal Version EffectiveHttpVersion => HttpVersion ?? (HttpInvoker is null ? new Version(1, 1) : new Version(2, 0));

    internal bool IsDefault => HttpInvoker is null && HttpVersion is null && VersionPolicy == WebSocketVersionPolicy.RequestVersionOrLower && Compression is null;

    internal TransportOptions Clone()
    {
        var copy = (TransportOptions)MemberwiseClone();
        copy.Compression = Compression?.Clone();
        return copy;
    }

    internal void Validate(List<string> errors)
    {
        if (HttpVersion is { } version && version != new Version(1, 1) && version != new Version(2, 0))
        {
            errors.Add($"Transport.HttpVersion must be 1.1 or 2.0 (was {version}): WebSockets are carried by HTTP/1.1 upgrade or HTTP/2 extended CONNECT.");
        }

        if (VersionPolicy is < WebSocketVersionPolicy.RequestVersionOrLower or > WebSocketVersionPolicy.RequestVersionExact)
        {
            errors.Add($"Transport.VersionPolicy is not a defined value ({(int)VersionPolicy}).");
        }

        Compression?.Validate(errors);
#if !NET
        if (HttpInvoker is not null)
        {
            errors.Add("Transport.HttpInvoker is not supported by the netstandard2.0 build (its ClientWebSocket cannot connect through an HttpMessageInvoker): use the net10.0 build, or leave it null.");
        }

        if (HttpVersion is { } requested && requested != new Version(1, 1))
        {
            errors.Add($"Transport.HttpVersion {requested} is not supported by the netstandard2.0 build (HTTP/1.1 only): use the net10.0 build.");
        }

        if (VersionPolicy != WebSocketVersionPolicy.RequestVersionOrLower)
        {
            errors.Add("Transport.VersionPolicy is not supported by the netstandard2.0 build (HTTP/1.1 only): use the net10.0 build.");
        }

        if (Compression is not null)
        {
            errors.Add("Transport.Compression (permessage-deflate) is not supported by the netstandard2.0 build (ClientWebSocketOptions.DangerousDeflateOptions needs .NET 6 or later): use the net10.0 build, or leave it null.");
        }
#endif
    }
}
