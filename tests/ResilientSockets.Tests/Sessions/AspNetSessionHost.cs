using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using ResilientSockets.Server;

namespace ResilientSockets.Tests.Sessions;

/// <summary>
/// The ResilientSockets.Server package in a Kestrel app on loopback. At /session each new session's application sends
/// <c>count</c> numbered text messages ("0", "1", …) and echoes every message it receives.
/// </summary>
internal sealed class AspNetSessionHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AspNetSessionHost(WebApplication app, ConcurrentQueue<ResilientSession> sessions)
    {
        _app = app;
        Sessions = sessions;
        Port = new Uri(app.Urls.First()).Port;
    }

    public int Port { get; }

    /// <summary>Every session the application was started for, in order.</summary>
    public ConcurrentQueue<ResilientSession> Sessions { get; }

    public Uri Uri => new($"ws://127.0.0.1:{Port}/session");

    /// <summary>The only session, once its application has started (acks come from the transport, a moment before).</summary>
    public async Task<ResilientSession> SingleSessionAsync()
    {
        await Infrastructure.Eventually.TrueAsync(() => !Sessions.IsEmpty, "the session's application started");
        return Sessions.Single();
    }

    public static async Task<AspNetSessionHost> StartAsync(int count = 0, int port = 0, Action<ResilientSessionOptions>? configure = null, Func<ResilientSession, CancellationToken, Task>? handler = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.UseWebSockets();
        var sessions = new ConcurrentQueue<ResilientSession>();
        app.MapResilientSessions("/session", async (session, ct) =>
        {
            sessions.Enqueue(session);
            if (handler is not null)
            {
                await handler(session, ct);
                return;
            }

            var sending = Task.Run(async () =>
            {
                for (var i = 0; i < count; i++)
                {
                    await session.SendTextAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
                }
            }, ct);
            await foreach (var message in session.ReadAllAsync(ct))
            {
                await session.SendAsync(message, ct);
            }

            await sending;
        }, configure);
        await app.StartAsync();
        return new AspNetSessionHost(app, sessions);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
