using System;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ResilientSockets.Server.Diagnostics;

namespace ResilientSockets.Server.Internal;

/// <summary>
/// One mapped session endpoint: accepts WebSocket requests that offer the session subprotocol, owns this node's live
/// sessions (the store finds them by id), runs each session's handler once, and ends every session when the host stops.
/// </summary>
internal sealed class SessionEndpoint
{
    private readonly Func<ResilientSession, CancellationToken, Task> _handler;
    private readonly ConcurrentDictionary<Guid, ResilientSession> _local = new();
    private int _sessionCount;
    private volatile bool _stopping;

    public SessionEndpoint(ResilientSessionOptions options, Func<ResilientSession, CancellationToken, Task> handler, IServiceProvider services)
    {
        Options = options;
        _handler = handler;
        Store = options.Store ?? new InMemoryResilientSessionStore();
        TimeProvider = options.TimeProvider ?? TimeProvider.System;
        Logger = services.GetService<ILoggerFactory>()?.CreateLogger("ResilientSockets.Server.ResilientSession") ?? NullLogger.Instance;
        Metrics = new ServerMetrics(services.GetService<IMeterFactory>());
        services.GetService<IHostApplicationLifetime>()?.ApplicationStopping.Register(static state => ((SessionEndpoint)state!).OnStopping(), this);
    }

    public ResilientSessionOptions Options { get; }

    public IResilientSessionStore Store { get; }

    public TimeProvider TimeProvider { get; }

    public ILogger Logger { get; }

    public ServerMetrics Metrics { get; }

    public bool IsStopping => _stopping;

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await RejectAsync(context, "This endpoint speaks the ResilientSockets session protocol over WebSocket only: open a WebSocket that offers the subprotocol " + SessionFrameCodec.SubProtocol + ".").ConfigureAwait(false);
            return;
        }

        if (!context.WebSockets.WebSocketRequestedProtocols.Contains(SessionFrameCodec.SubProtocol, StringComparer.Ordinal))
        {
            await RejectAsync(context, "This endpoint speaks the ResilientSockets session protocol: the WebSocket handshake must offer the subprotocol " + SessionFrameCodec.SubProtocol + " (Sec-WebSocket-Protocol). A plain WebSocket client would take session frames for application messages.").ConfigureAwait(false);
            return;
        }

        var accept = new WebSocketAcceptContext
        {
            SubProtocol = SessionFrameCodec.SubProtocol,
            KeepAliveInterval = Options.KeepAliveInterval,
            KeepAliveTimeout = Options.KeepAliveTimeout,
        };
        using var socket = await context.WebSockets.AcceptWebSocketAsync(accept).ConfigureAwait(false);
        var connection = new SessionConnection(socket, this, context.RequestAborted);
        await connection.RunAsync().ConfigureAwait(false);
    }

    /// <summary>A new session with a fresh id, or <see langword="null"/> at <see cref="ResilientSessionOptions.MaxSessions"/> or while stopping.</summary>
    public ResilientSession? TryCreateSession()
    {
        if (_stopping)
        {
            return null;
        }

        if (Interlocked.Increment(ref _sessionCount) > Options.MaxSessions)
        {
            Interlocked.Decrement(ref _sessionCount);
            return null;
        }

        ResilientSession session;
        do
        {
            session = new ResilientSession(Guid.NewGuid(), this);
        }
        while (!Store.TryAdd(session));

        _local[session.Id] = session;
        Metrics.Active.Add(1);
        Log.SessionStarted(Logger, session.Id);
        return session;
    }

    public void StartHandler(ResilientSession session) => _ = RunHandlerAsync(session);

    public void OnSessionEnded(ResilientSession session)
    {
        Store.TryRemove(session);
        if (_local.TryRemove(session.Id, out _))
        {
            Interlocked.Decrement(ref _sessionCount);
            Metrics.Active.Add(-1);
        }
    }

    private async Task RunHandlerAsync(ResilientSession session)
    {
        await Task.Yield();
        using var scope = Log.BeginSessionScope(Logger, session.Id);
        try
        {
            await _handler(session, session.Lost).ConfigureAwait(false);

            // The handler returned: the application is done with the session. What it sent is delivered first.
            await session.CloseAsync(session.Lost).ConfigureAwait(false);
        }
        catch (ResilientSessionEndedException) when (session.State == ResilientSessionState.Ended)
        {
            // The session ended under the handler (client closed, or lost): the normal way out of a send loop.
        }
        catch (OperationCanceledException) when (session.Lost.IsCancellationRequested)
        {
            // The session was lost while the handler waited on its token.
        }
#pragma warning disable CA1031 // a handler's failure ends its session, never the server
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Log.HandlerFailed(Logger, session.Id, exception);
            session.End(ResilientSessionEndReason.HandlerFailed, exception.Message, WebSocketCloseStatus.InternalServerError, "the session handler failed");
        }
    }

    private void OnStopping()
    {
        _stopping = true;
        foreach (var session in _local.Values)
        {
            session.End(ResilientSessionEndReason.ServerStopping, "the server is stopping", WebSocketCloseStatus.EndpointUnavailable, "server stopping");
        }
    }

    private async Task RejectAsync(HttpContext context, string reason)
    {
        Log.HandshakeRejected(Logger, reason);
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(reason, context.RequestAborted).ConfigureAwait(false);
    }
}
