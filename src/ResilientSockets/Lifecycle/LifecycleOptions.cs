namespace ResilientSockets;

/// <summary>How the client follows the device: network reachability (and, through methods on the client, pause, resume and reconnect now).</summary>
public sealed class LifecycleOptions
{
    /// <summary>
    /// Gets or sets where the client learns whether a network is reachable. While it reports offline, no attempt is made and
    /// the backoff does not grow; when it reports online again a waiting client attempts at once.
    /// </summary>
    /// <value>The default value is <see cref="NetworkChangeConnectivitySource.Shared"/>. <see langword="null"/> turns it off (always online).</value>
    public IConnectivitySource? Connectivity { get; set; } = NetworkChangeConnectivitySource.Shared;

    internal LifecycleOptions Clone() => (LifecycleOptions)MemberwiseClone();
}
