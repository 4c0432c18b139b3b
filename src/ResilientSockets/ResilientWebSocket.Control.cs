using System;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Diagnostics;
using ResilientSockets.Lifecycle;

namespace ResilientSockets;

// What an application tells the client about the device: the user asked to retry, the app went to the background and
// came back, the network went away and came back. The loop's side of it is LifecycleControl.
public sealed partial class ResilientWebSocket
{
    private readonly LifecycleControl _control;
    private IConnectivitySource? _connectivity;

    /// <summary>
    /// Skips the current backoff wait and attempts at once (the user pressed "retry", the network came back). The attempt
    /// counts like any other. Does nothing unless the client is <see cref="ConnectionState.Reconnecting"/> (so nothing
    /// while <see cref="ConnectionState.Open"/>, while an attempt is in flight, or while <see cref="ConnectionState.Paused"/>:
    /// use <see cref="Resume"/>). While the connectivity source reports offline it still makes one attempt: you may know better.
    /// </summary>
    /// <returns><see langword="true"/> if a wait was cut short; <see langword="false"/> if there was nothing to do.</returns>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public bool ReconnectNow()
    {
        ThrowIfDisposed();
        if (!_control.ReconnectNow())
        {
            return false;
        }

        Log.ReconnectNow(_logger);
        return true;
    }

    /// <summary>
    /// Pauses the client (the app went to the background): the state becomes <see cref="ConnectionState.Paused"/>, an open
    /// connection is closed with a close handshake (bounded by <see cref="ResilientWebSocketOptions.CloseTimeout"/>), an
    /// attempt in flight is abandoned, and no attempt is made until <see cref="Resume"/>. Queued and new sends wait in the
    /// queue (their time-to-live still runs); readers stay subscribed and simply receive nothing.
    /// Calling it while paused, stopping or stopped does nothing.
    /// </summary>
    /// <param name="cancellationToken">Cancelling it skips the rest of the close handshake (the connection is aborted); the client stays paused.</param>
    /// <returns>A task that completes when the connection is closed and nothing runs.</returns>
    /// <exception cref="InvalidOperationException">The client was never started.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public async Task PauseAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var quiet = _control.Pause();
        if (quiet is null)
        {
            return;
        }

        Log.Paused(_logger);

        // From a message handler the receive loop is this very call stack: the close can only finish after it returns.
        if (ReferenceEquals(ReceiveLoopOwner.Value, this))
        {
            return;
        }

        using (cancellationToken.Register(static s => ((ResilientWebSocket)s!).AbortCurrentConnection(), this))
        {
            await quiet.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Ends a pause (the app came back to the foreground): the state becomes <see cref="ConnectionState.Reconnecting"/>
    /// and an attempt starts at once, without a backoff wait (or when the network is back, if the connectivity source
    /// reports it lost). Await <see cref="WaitUntilOpenAsync"/> to know when the link is up. Does nothing unless paused.
    /// </summary>
    /// <returns><see langword="true"/> if the client was paused.</returns>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public bool Resume()
    {
        ThrowIfDisposed();
        if (!_control.Resume())
        {
            return false;
        }

        Log.Resumed(_logger);
        return true;
    }

    /// <summary>Runs once, when the client starts: follow the connectivity source, and say how the socket is carried.</summary>
    private void OnStarting()
    {
        var transport = _options.Transport;
        if (!transport.IsDefault)
        {
            Log.TransportSelected(_logger, transport.EffectiveHttpVersion.ToString(), transport.VersionPolicy, transport.HttpInvoker is not null, transport.Compression is not null);
        }

        if (Platform.BrowserPlatform.DescribeIgnored(_options.Heartbeat, transport, _options.IsBrowser) is { } ignored)
        {
            Log.BrowserIgnoredOptions(_logger, ignored);
        }

        AttachConnectivity();
    }

    /// <summary>Completes when the loop rests in a hold (paused or offline), so a test can prove that no attempt follows.</summary>
    internal Task WhenHeld => _control.Holding;

    private void AttachConnectivity()
    {
        if (_options.Lifecycle.Connectivity is not { } source)
        {
            return;
        }

        _connectivity = source;
        source.ConnectivityChanged += OnConnectivityChanged;
        ApplyConnectivity(source.IsOnline);
    }

    private void DetachConnectivity()
    {
        if (Interlocked.Exchange(ref _connectivity, null) is { } source)
        {
            source.ConnectivityChanged -= OnConnectivityChanged;
        }
    }

    private void OnConnectivityChanged(object? sender, ConnectivityChangedEventArgs e) => ApplyConnectivity(e.IsOnline);

    private void ApplyConnectivity(bool online)
    {
        if (!_control.SetOnline(online))
        {
            return;
        }

        if (online)
        {
            Log.NetworkRestored(_logger);
        }
        else
        {
            Log.NetworkLost(_logger);
        }
    }
}
