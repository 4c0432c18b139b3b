using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ResilientSockets.Testing;

/// <summary>
/// A real WebSocket server (Kestrel) on 127.0.0.1 and a free port, for integration tests: scripted routes, a record of
/// every message received, and faults on demand (abort, close with a status, reject handshakes, stop and restart on the
/// same port).
/// </summary>
/// <example>
/// <code>
/// await using var server = await LoopbackWebSocketServer.StartAsync().ConfigureAwait(false);
/// var uri = server.GetUri("/echo");
/// </code>
/// </example>
public sealed class LoopbackWebSocketServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ServerRoute> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, ServerConnection> _connections = new();
    private readonly object _signalGate = new();
    private readonly LoopbackServerOptions _options;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile TaskCompletionSource? _blackHole;
    private X509Certificate2? _certificate;
    private WebApplication? _app;
    private int _nextConnectionId;
    private int _handshakes;
    private int _rejectRemaining;
    private int _rejectStatus;
    private TimeSpan? _rejectRetryAfter;

    private LoopbackWebSocketServer(LoopbackServerOptions options)
    {
        _options = options;
        _routes["/echo"] = ServerRoute.Echo();
        _routes["/sink"] = ServerRoute.Sink();
    }

    /// <summary>Gets the port the server listens on (stays the same across <see cref="RestartAsync"/>).</summary>
    public int Port { get; private set; }

    /// <summary>Gets the number of WebSocket handshakes that reached the server, including rejected ones.</summary>
    public int HandshakeCount => Volatile.Read(ref _handshakes);

    /// <summary>Gets every connection accepted so far, in order.</summary>
    public IReadOnlyList<ServerConnection> Connections => _connections.Values.OrderBy(c => c.Id).ToArray();

    /// <summary>Gets every message received so far on any connection, in order of connection and then arrival.</summary>
    public IReadOnlyList<ReceivedMessage> ReceivedMessages => Connections.SelectMany(c => c.Snapshot()).ToArray();

    /// <summary>Gets the number of messages received on all connections.</summary>
    public int ReceivedCount => _connections.Values.Sum(c => c.ReceivedCount);

    /// <summary>Gets or sets a delay before every handshake is answered (to exercise connect timeouts).</summary>
    public TimeSpan HandshakeDelay { get; set; }

    /// <summary>Gets the certificate the server presents when it speaks TLS.</summary>
    public X509Certificate2? Certificate => _certificate;

    /// <summary>Starts a server on 127.0.0.1 and a free port, with <c>/echo</c> (echo) and <c>/sink</c> (record only) routes.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    public static Task<LoopbackWebSocketServer> StartAsync(CancellationToken cancellationToken = default) => StartAsync(new LoopbackServerOptions(), cancellationToken);

    /// <summary>Starts a server with the given options.</summary>
    /// <param name="options">How to listen (for example with TLS).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    public static async Task<LoopbackWebSocketServer> StartAsync(LoopbackServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var server = new LoopbackWebSocketServer(options);
        await server.StartOnAsync(0, cancellationToken).ConfigureAwait(false);
        return server;
    }

    /// <summary>Gets the address of a path on this server.</summary>
    /// <param name="path">The path, starting with '/'.</param>
    /// <param name="query">An optional query string, without '?'.</param>
    /// <returns>A <c>ws://127.0.0.1:port/path</c> address.</returns>
    public Uri GetUri(string path = "/echo", string? query = null)
        => new($"{(_options.UseTls ? "wss" : "ws")}://127.0.0.1:{Port}{path}{(query is null ? string.Empty : "?" + query)}");

    /// <summary>Black-holes every connection, open and new: the server stops reading and answering, while keeping the sockets open.</summary>
    public void BlackHole() => _blackHole ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Ends <see cref="BlackHole"/>: connections read and answer again.</summary>
    public void EndBlackHole() => Interlocked.Exchange(ref _blackHole, null)?.TrySetResult();

    /// <summary>Adds or replaces the behaviour of a path.</summary>
    /// <param name="path">The path, starting with '/'.</param>
    /// <param name="route">What to do there.</param>
    public void Map(string path, ServerRoute route) => _routes[path] = route;

    /// <summary>Answers the next <paramref name="count"/> handshakes with <paramref name="statusCode"/> instead of accepting them.</summary>
    /// <param name="count">How many handshakes to reject.</param>
    /// <param name="statusCode">The HTTP status to answer with.</param>
    /// <param name="retryAfter">A <c>Retry-After</c> header to send, in whole seconds.</param>
    public void RejectNextHandshakes(int count, int statusCode, TimeSpan? retryAfter = null)
    {
        Volatile.Write(ref _rejectStatus, statusCode);
        _rejectRetryAfter = retryAfter;
        Volatile.Write(ref _rejectRemaining, count);
    }

    /// <summary>Drops every open connection without a close handshake.</summary>
    public void AbortAll()
    {
        foreach (var connection in _connections.Values)
        {
            connection.Abort();
        }
    }

    /// <summary>Starts the close handshake on every open connection.</summary>
    /// <param name="status">The close status.</param>
    /// <param name="description">The close description.</param>
    /// <returns>A task that completes when every close frame has been sent.</returns>
    public Task CloseAllAsync(WebSocketCloseStatus status, string? description = null)
        => Task.WhenAll(_connections.Values.Select(c => c.CloseAsync(status, description)));

    /// <summary>Waits until <paramref name="condition"/> holds, re-checking whenever a connection or message arrives.</summary>
    /// <param name="condition">The condition over this server.</param>
    /// <param name="timeout">How long to wait before failing.</param>
    /// <returns>A task that completes when the condition holds.</returns>
    /// <exception cref="TimeoutException">The condition did not hold in time.</exception>
    public async Task WaitUntilAsync(Func<LoopbackWebSocketServer, bool> condition, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            lock (_signalGate)
            {
                changed = _changed.Task;
            }

            if (condition(this))
            {
                return;
            }

            var finished = await Task.WhenAny(changed, Task.Delay(Timeout.Infinite, cts.Token)).ConfigureAwait(false);
            if (finished != changed)
            {
                throw new TimeoutException($"The server condition did not hold within {timeout}. Connections: {_connections.Count}, messages: {ReceivedCount}, handshakes: {HandshakeCount}.");
            }
        }
    }

    /// <summary>Waits until <paramref name="count"/> connections have been accepted in total.</summary>
    /// <param name="count">The total number of connections.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>The most recent connection.</returns>
    public async Task<ServerConnection> WaitForConnectionAsync(int count, TimeSpan timeout)
    {
        await WaitUntilAsync(s => s._connections.Count >= count, timeout).ConfigureAwait(false);
        return _connections[count];
    }

    /// <summary>Stops listening and drops every connection.</summary>
    /// <returns>A task that completes when the server has stopped.</returns>
    public async Task StopAsync()
    {
        var app = Interlocked.Exchange(ref _app, null);
        if (app is null)
        {
            return;
        }

        // Stop listening first, then drop the open sockets, so no client slips back in between.
        var stopping = app.StopAsync();
        AbortAll();
        await stopping.ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Starts again on the same port after <see cref="StopAsync"/>.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when the server listens again.</returns>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync().ConfigureAwait(false);
        await StartOnAsync(Port, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task StartOnAsync(int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (_options.UseTls)
        {
            _certificate ??= _options.Certificate ?? SelfSigned();
        }

        builder.WebHost.UseKestrel(options =>
        {
            if (_options.MaxStreamsPerConnection is { } streams)
            {
                options.Limits.Http2.MaxStreamsPerConnection = streams;
            }

            options.Listen(IPAddress.Loopback, port, listen =>
            {
                if (_options.Protocols is { } protocols)
                {
                    listen.Protocols = protocols;
                }

                if (_certificate is not null)
                {
                    listen.UseHttps(_certificate);
                }
            });
        });
        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Run(HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(address).Port;
        _app = app;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        if (!_routes.TryGetValue(path, out var route))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        Interlocked.Increment(ref _handshakes);
        if (HandshakeDelay > TimeSpan.Zero)
        {
            await Task.Delay(HandshakeDelay, context.RequestAborted).ConfigureAwait(false);
        }

        if (TryTakeRejection(out var status))
        {
            context.Response.StatusCode = status;
            if (_rejectRetryAfter is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = ((long)retryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            Signal();
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { DangerousEnableCompression = _options.EnableCompression }).ConfigureAwait(false);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var connection = new ServerConnection(Interlocked.Increment(ref _nextConnectionId), path, context.Request.QueryString.Value, headers, socket)
        {
            Protocol = context.Request.Protocol,
            TransportConnectionId = context.Connection.Id,
        };
        _connections[connection.Id] = connection;
        Signal();
        try
        {
            if (route.OnConnected is { } onConnected)
            {
                await onConnected(connection).ConfigureAwait(false);
            }

            await ReceiveLoopAsync(connection, route, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ConnectionAbortedException)
        {
        }
        finally
        {
            connection.MarkClosed();
            Signal();
        }
    }

    private async Task ReceiveLoopAsync(ServerConnection connection, ServerRoute route, CancellationToken cancellationToken)
    {
        var socket = connection.Socket;
        var buffer = new byte[64 * 1024];
        using var assembled = new MemoryStream();
        while (true)
        {
            if (_blackHole is { } hole)
            {
                await hole.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            var result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                connection.ClientCloseStatus = socket.CloseStatus;
                Signal();
                if (socket.State == WebSocketState.CloseReceived)
                {
                    await connection.CloseAsync(socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, socket.CloseStatusDescription, cancellationToken).ConfigureAwait(false);
                }

                return;
            }

            assembled.Write(buffer, 0, result.Count);
            if (!result.EndOfMessage)
            {
                continue;
            }

            var message = new ReceivedMessage(connection.Id, result.MessageType, assembled.ToArray());
            assembled.SetLength(0);
            if (route.RecordMessages)
            {
                connection.Record(message);
            }
            else
            {
                connection.Count();
            }

            Signal();
            if (route.OnMessage is { } onMessage)
            {
                await onMessage(connection, message).ConfigureAwait(false);

                // Conditions may depend on what the handler did, not only on what arrived.
                Signal();
            }
        }
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    private bool TryTakeRejection(out int status)
    {
        status = Volatile.Read(ref _rejectStatus);
        while (true)
        {
            var remaining = Volatile.Read(ref _rejectRemaining);
            if (remaining <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _rejectRemaining, remaining - 1, remaining) == remaining)
            {
                return true;
            }
        }
    }

    private void Signal()
    {
        TaskCompletionSource previous;
        lock (_signalGate)
        {
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }
}
