using System;
using System.Net.NetworkInformation;
using System.Threading;

namespace ResilientSockets;

/// <summary>
/// The default <see cref="IConnectivitySource"/>: the operating system's <see cref="NetworkChange.NetworkAvailabilityChanged"/>.
/// </summary>
/// <remarks>
/// <para>It starts as online and changes only when the operating system reports a change, so a machine whose only
/// network is loopback still connects to a local server.</para>
/// <para>Where the runtime does not support <see cref="NetworkChange"/> (the browser, some sandboxes) it stays online
/// and never raises: the client behaves as if no source were set. On Android the event is unreliable
/// (dotnet/runtime#99721): plug in the platform's own source there (see the README, "Mobile").</para>
/// </remarks>
public sealed class NetworkChangeConnectivitySource : IConnectivitySource
{
    private readonly object _gate = new();
    private EventHandler<ConnectivityChangedEventArgs>? _changed;
    private int _online = 1;
    private bool _subscribed;

    private NetworkChangeConnectivitySource()
    {
    }

    /// <summary>Gets the process-wide instance (one subscription to the operating system, shared by every client).</summary>
    public static NetworkChangeConnectivitySource Shared { get; } = new();

    /// <inheritdoc />
    public bool IsOnline => Volatile.Read(ref _online) == 1;

    /// <summary>Gets a value indicating whether the operating system's notifications are available here; <see langword="null"/> until the first subscriber.</summary>
    public bool? IsSupported { get; private set; }

    /// <inheritdoc />
    public event EventHandler<ConnectivityChangedEventArgs>? ConnectivityChanged
    {
        add
        {
            lock (_gate)
            {
                _changed += value;
                SubscribeOnce();
            }
        }

        remove
        {
            lock (_gate)
            {
                _changed -= value;
            }
        }
    }

    private void SubscribeOnce()
    {
        if (_subscribed)
        {
            return;
        }

        _subscribed = true;
#if NET
        if (OperatingSystem.IsBrowser() || OperatingSystem.IsWasi())
        {
            IsSupported = false;
            return;
        }
#endif
        try
        {
            // Never unsubscribed: one handler for the process, and clients detach from this instance when they finish.
            NetworkChange.NetworkAvailabilityChanged += OnAvailabilityChanged;
            IsSupported = true;
        }
        catch (Exception ex) when (ex is PlatformNotSupportedException or NotSupportedException or NetworkInformationException)
        {
            IsSupported = false;
        }
    }

    private void OnAvailabilityChanged(object? sender, NetworkAvailabilityEventArgs e)
    {
        Volatile.Write(ref _online, e.IsAvailable ? 1 : 0);
        EventHandler<ConnectivityChangedEventArgs>? handlers;
        lock (_gate)
        {
            handlers = _changed;
        }

        handlers?.Invoke(this, new ConnectivityChangedEventArgs(e.IsAvailable));
    }
}
