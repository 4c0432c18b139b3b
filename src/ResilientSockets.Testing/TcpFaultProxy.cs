using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace ResilientSockets.Testing;

/// <summary>
/// A TCP proxy on 127.0.0.1 that forwards to any server (ours, Node, nginx) and misbehaves on demand: black-hole
/// (sockets stay open, nothing is forwarded), cut every link, refuse new connections, add latency, cap bandwidth.
/// </summary>
public sealed class TcpFaultProxy : IAsyncDisposable
{
    private readonly IPEndPoint _upstream;
    private readonly ConcurrentDictionary<int, Link> _links = new();
    private readonly CancellationTokenSource _lifetime = new();
    private TcpListener? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private int _nextLinkId;
    private int _accepted;

    private TcpFaultProxy(IPEndPoint upstream) => _upstream = upstream;

    /// <summary>Gets the port the proxy listens on.</summary>
    public int Port { get; private set; }

    /// <summary>Gets the number of links currently open.</summary>
    public int ActiveLinks => _links.Count;

    /// <summary>Gets the number of connections accepted so far.</summary>
    public int AcceptedCount => Volatile.Read(ref _accepted);

    /// <summary>Gets or sets a delay added before every chunk is forwarded, in both directions.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Gets or sets a cap on forwarded bytes per second per direction, or <see langword="null"/> for none.</summary>
    public int? BytesPerSecond { get; set; }

    /// <summary>Gets or sets a value indicating whether new links start black-holed.</summary>
    public bool BlackHoleNewLinks { get; set; }

    /// <summary>Starts a proxy in front of <paramref name="upstreamPort"/> on 127.0.0.1.</summary>
    /// <param name="upstreamPort">The port of the real server.</param>
    /// <returns>The running proxy.</returns>
    public static TcpFaultProxy Start(int upstreamPort)
    {
        var proxy = new TcpFaultProxy(new IPEndPoint(IPAddress.Loopback, upstreamPort));
        proxy.Listen(0);
        return proxy;
    }

    /// <summary>Rewrites a server address so it goes through this proxy.</summary>
    /// <param name="serverUri">The server's own address.</param>
    /// <returns>The same address on the proxy's host and port.</returns>
    public Uri Wrap(Uri serverUri) => new UriBuilder(serverUri) { Host = "127.0.0.1", Port = Port }.Uri;

    /// <summary>Stops forwarding on every open link while keeping both of its sockets open: a dead NAT mapping or a half-open TCP link.</summary>
    public void BlackHoleExistingLinks()
    {
        foreach (var link in _links.Values)
        {
            link.BlackHoled = true;
        }
    }

    /// <summary>Closes every open link abruptly (RST), as a crashed middlebox would.</summary>
    public void CutAll()
    {
        foreach (var link in _links.Values)
        {
            link.Cut();
        }
    }

    /// <summary>Stops listening: new connections are refused. Open links are kept.</summary>
    public void RefuseNewConnections()
    {
        _listener?.Stop();
        _listener = null;
    }

    /// <summary>Listens again on the same port after <see cref="RefuseNewConnections"/>.</summary>
    public void AcceptNewConnections()
    {
        if (_listener is null)
        {
            Listen(Port);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _lifetime.Cancel();
        RefuseNewConnections();
        CutAll();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SocketException or OperationCanceledException)
        {
        }

        _lifetime.Dispose();
    }

    private void Listen(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _listener = listener;
        _acceptLoop = AcceptLoopAsync(listener);
    }

    private async Task AcceptLoopAsync(TcpListener listener)
    {
        while (!_lifetime.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(_lifetime.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or SocketException or OperationCanceledException or InvalidOperationException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            _ = RunLinkAsync(client);
        }
    }

    private async Task RunLinkAsync(Socket client)
    {
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await upstream.ConnectAsync(_upstream, _lifetime.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            client.LingerState = new LingerOption(true, 0);
            client.Dispose();
            upstream.Dispose();
            return;
        }

        var link = new Link(client, upstream) { BlackHoled = BlackHoleNewLinks };
        var id = Interlocked.Increment(ref _nextLinkId);
        _links[id] = link;
        try
        {
            await Task.WhenAll(PumpAsync(link, client, upstream), PumpAsync(link, upstream, client)).ConfigureAwait(false);
        }
        finally
        {
            _links.TryRemove(id, out _);
            link.Cut();
        }
    }

    private async Task PumpAsync(Link link, Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                if (link.BlackHoled)
                {
                    // Neither read nor forward: the peer's bytes pile up unanswered, as on a dead path.
                    await link.Released.ConfigureAwait(false);
                    return;
                }

                var read = await from.ReceiveAsync(buffer, SocketFlags.None, link.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                if (link.BlackHoled)
                {
                    await link.Released.ConfigureAwait(false);
                    return;
                }

                if (Latency > TimeSpan.Zero)
                {
                    await Task.Delay(Latency, link.Token).ConfigureAwait(false);
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, link.Token).ConfigureAwait(false);
                if (BytesPerSecond is { } rate && rate > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)read / rate), link.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            link.Cut();
        }
    }

    private sealed class Link(Socket client, Socket upstream)
    {
        private readonly CancellationTokenSource _cut = new();
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _closed;

        public volatile bool BlackHoled;

        public CancellationToken Token => _cut.Token;

        public Task Released => _released.Task;

        public void Cut()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 1)
            {
                return;
            }

            _released.TrySetResult();
            _cut.Cancel();
            foreach (var socket in new[] { client, upstream })
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                }

                socket.Dispose();
            }
        }
    }
}
