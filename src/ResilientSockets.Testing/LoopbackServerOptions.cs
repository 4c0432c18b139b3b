using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ResilientSockets.Testing;

/// <summary>How a <see cref="LoopbackWebSocketServer"/> listens.</summary>
public sealed class LoopbackServerOptions
{
    /// <summary>Gets or sets a value indicating whether the server speaks TLS (<c>wss://</c>) with <see cref="Certificate"/> or, when that is null, a fresh self-signed certificate for 127.0.0.1.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool UseTls { get; set; }

    /// <summary>Gets or sets the server certificate for TLS.</summary>
    /// <value>The default value is <see langword="null"/>: self-signed, created on start.</value>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>
    /// Gets or sets the HTTP versions the listener speaks. With <see cref="UseTls"/>, <see cref="HttpProtocols.Http1AndHttp2"/>
    /// negotiates HTTP/2 by ALPN (WebSockets over HTTP/2, RFC 8441); <see cref="HttpProtocols.Http1"/> makes a server that
    /// only speaks HTTP/1.1 (for downgrade tests); without TLS, <see cref="HttpProtocols.Http2"/> is h2c with prior knowledge.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: Kestrel's default.</value>
    public HttpProtocols? Protocols { get; set; }

    /// <summary>Gets or sets how many concurrent streams (WebSockets) one HTTP/2 connection may carry.</summary>
    /// <value>The default value is <see langword="null"/>: Kestrel's default (100).</value>
    public int? MaxStreamsPerConnection { get; set; }

    /// <summary>Gets or sets a value indicating whether the server accepts permessage-deflate when a client offers it (<c>WebSocketAcceptContext.DangerousEnableCompression</c>).</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool EnableCompression { get; set; }
}
