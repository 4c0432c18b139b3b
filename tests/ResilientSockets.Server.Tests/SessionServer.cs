using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace ResilientSockets.Server.Tests;

/// <summary>A Kestrel app on loopback with one session endpoint at /session, on fake time.</summary>
internal sealed class SessionServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SessionServer(WebApplication app, InMemoryResilientSessionStore store, FakeTimeProvider time)
    {
        _app = app;
        Store = store;
        Time = time;
    }

    public Uri Uri { get; private set; } = null!;

    public int Port { get; private set; }

    public InMemoryResilientSessionStore Store { get; }

    public FakeTimeProvider Time { get; }

    /// <summary>Every session the handler was started for, in order.</summary>
    public ConcurrentQueue<ResilientSession> Sessions { get; } = new();

    public static async Task<SessionServer> StartAsync(
        Func<ResilientSession, CancellationToken, Task> handler,
        Action<ResilientSessionOptions>? configure = null,
        int port = 0,
        FakeTimeProvider? time = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var store = new InMemoryResilientSessionStore();
        time ??= new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var server = new SessionServer(app, store, time);
        app.UseWebSockets();
        app.MapResilientSessions("/session", (session, ct) =>
        {
            server.Sessions.Enqueue(session);
            return handler(session, ct);
        }, options =>
        {
            options.Store = store;
            options.TimeProvider = time;
            configure?.Invoke(options);
        });
        await app.StartAsync();
        var address = new Uri(app.Urls.First());
        server.Port = address.Port;
        server.Uri = new Uri($"ws://127.0.0.1:{address.Port}/session");
        return server;
    }

    /// <summary>An echo handler: every message goes back.</summary>
    public static async Task Echo(ResilientSession session, CancellationToken ct)
    {
        await foreach (var message in session.ReadAllAsync(ct))
        {
            await session.SendAsync(message, ct);
        }
    }

    public async Task<ResilientSession> SingleSessionAsync()
    {
        await Eventually.TrueAsync(() => !Sessions.IsEmpty, "a session handler started");
        return Sessions.Single();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Waits for a condition another thread makes true, with a deadline (never a fixed sleep).</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what, int timeoutMilliseconds = 10_000)
    {
        var deadline = Environment.TickCount64 + timeoutMilliseconds;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException($"Timed out waiting for: {what}.");
            }

            await Task.Delay(5);
        }
    }
}
