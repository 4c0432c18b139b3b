using System;

namespace ResilientSockets;

/// <summary>
/// Tells a <see cref="ResilientWebSocket"/> whether the device can reach a network at all. While offline the client makes
/// no connection attempts (its backoff does not grow); when the network is back it reconnects at once.
/// </summary>
/// <remarks>
/// The default is <see cref="NetworkChangeConnectivitySource.Shared"/> (the operating system's
/// <c>NetworkChange.NetworkAvailabilityChanged</c>). Implement this interface to plug in a better source, such as
/// .NET MAUI's <c>Connectivity.Current</c>. An open connection is never closed because of a report: a report is a
/// hint about reachability, the link's own liveness checks decide whether it is dead.
/// </remarks>
public interface IConnectivitySource
{
    /// <summary>Gets a value indicating whether a network is believed to be reachable now; read once when a client starts.</summary>
    bool IsOnline { get; }

    /// <summary>Raised when reachability changes; may be raised on any thread, and more than once with the same value.</summary>
    event EventHandler<ConnectivityChangedEventArgs>? ConnectivityChanged;
}
