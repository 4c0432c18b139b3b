using System.Security.Cryptography.X509Certificates;

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
}
