using System;

namespace ResilientSockets;

/// <summary>What an <see cref="IConnectivitySource"/> reports.</summary>
public sealed class ConnectivityChangedEventArgs : EventArgs
{
    /// <summary>Initializes the report.</summary>
    /// <param name="isOnline">Whether a network is reachable now.</param>
    public ConnectivityChangedEventArgs(bool isOnline) => IsOnline = isOnline;

    /// <summary>Gets a value indicating whether a network is reachable now.</summary>
    public bool IsOnline { get; }
}
