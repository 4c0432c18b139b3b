namespace ResilientSockets;

/// <summary>How <c>AddHostedClient</c> starts a client with the host.</summary>
public sealed class HostedClientOptions
{
    /// <summary>
    /// Gets or sets a value indicating whether host startup waits until the client's first connection is open.
    /// When <see langword="false"/>, the hosted service starts the client and returns at once: the client connects
    /// (and retries) in the background, a client that gives up is logged (event <c>HostedClientGaveUp</c>) rather than
    /// thrown into the host, and stopping the host while it is still connecting simply stops it. When
    /// <see langword="true"/>, <c>IHost.StartAsync</c> does not complete until the first connection opens, and a client
    /// that gives up before that fails the host's start (stopping the host meanwhile still ends cleanly).
    /// </summary>
    /// <value>The default value is <see langword="false"/>: start in the background.</value>
    public bool WaitForFirstConnection { get; set; }
}
