using System;
using System.Net.WebSockets;

namespace ResilientSockets;

/// <summary>One connection attempt about to be made; see <see cref="ResilientWebSocketOptions.OnConnecting"/>.</summary>
public sealed class ConnectingContext
{
    internal ConnectingContext(Uri? uri, ClientWebSocketOptions options, int attemptNumber, bool isReconnect)
    {
        Uri = uri;
        Options = options;
        AttemptNumber = attemptNumber;
        IsReconnect = isReconnect;
    }

    /// <summary>Gets or sets the address to connect to on this attempt. Starts as <see cref="ResilientWebSocketOptions.Uri"/>.</summary>
    public Uri? Uri { get; set; }

    /// <summary>Gets the options of the socket about to connect: set headers, subprotocols, proxy, certificates here.</summary>
    public ClientWebSocketOptions Options { get; }

    /// <summary>Gets the 1-based number of this attempt since the last stable connection (or since start).</summary>
    public int AttemptNumber { get; }

    /// <summary>Gets a value indicating whether a connection was open before (this is a reconnect).</summary>
    public bool IsReconnect { get; }
}
