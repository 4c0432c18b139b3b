using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ResilientSockets.Server;

namespace ResilientSockets.Outbox.Tests;

/// <summary>
/// A Kestrel app on loopback whose application records every text message it receives, in arrival order: at
/// <c>/session</c> through the session package (<c>MapResilientSessions</c>, real time), at <c>/plain</c> as a plain
/// WebSocket endpoint. Several servers can share one <see cref="ClientReceivedLog"/> (a server stopped and started again
/// on the same port).
/// </summary>
internal sealed class ClientRecordingServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ClientRecordingServer(WebApplication app, ClientReceivedLog received, int port)
    {
        _app = app;
        Received = received;
        Port = port;
    }

    public ClientReceivedLog Received { get; }

    public int Port { get; }

    public Uri SessionUri => SessionUriFor(Port);

    public Uri PlainUri => PlainUriFor(Port);

    public static Uri SessionUriFor(int port) => new($"ws://127.0.0.1:{port}/session");

    public static Uri PlainUriFor(int port) => new($"ws://127.0.0.1:{port}/plain");

    /// <summary>A port nothing listens on right now, for a server that starts later (a client meanwhile is offline).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<ClientRecordingServer> StartAsync(int port = 0, ClientReceivedLog? received = null)
    {
        received ??= new ClientReceivedLog();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.UseWebSockets();
        app.MapResilientSessions("/session", async (session, ct) =>
        {
            await foreach (var message in session.ReadAllAsync(ct))
            {
                received.Add(message.Text);
            }
        });
        var stopping = app.Lifetime.ApplicationStopping;
        app.Map("/plain", async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await RecordPlainAsync(socket, received, stopping);
        });
        await app.StartAsync();
        return new ClientRecordingServer(app, received, new Uri(app.Urls.First()).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task RecordPlainAsync(WebSocket socket, ClientReceivedLog received, CancellationToken stopping)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                // Cancelling a receive aborts the socket: a stopping server cuts its clients instead of waiting for them.
                var result = await socket.ReceiveAsync(buffer, stopping);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    received.Add(Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length));
                    message.SetLength(0);
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
        {
            // The client vanished (killed) or the server is stopping: what arrived whole is recorded.
        }
    }
}

/// <summary>What a server application received, in order, with waits that end on a signal or a deadline.</summary>
internal sealed class ClientReceivedLog
{
    private readonly List<string> _messages = [];
    private readonly List<(Func<IReadOnlyList<string>, bool> Condition, TaskCompletionSource Signal)> _waiters = [];

    public int Count
    {
        get
        {
            lock (_messages)
            {
                return _messages.Count;
            }
        }
    }

    public void Add(string text)
    {
        lock (_messages)
        {
            _messages.Add(text);
            _waiters.RemoveAll(w => w.Condition(_messages) && w.Signal.TrySetResult());
        }
    }

    public string[] Snapshot()
    {
        lock (_messages)
        {
            return [.. _messages];
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the messages so far; fails with what arrived when the deadline passes.</summary>
    public async Task WaitUntilAsync(Func<IReadOnlyList<string>, bool> condition, TimeSpan timeout, string what)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_messages)
        {
            if (condition(_messages))
            {
                return;
            }

            _waiters.Add((condition, signal));
        }

        try
        {
            await signal.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            var messages = Snapshot();
            throw new TimeoutException($"Timed out after {timeout} waiting for {what}: {messages.Length} messages arrived, the last ones: {string.Join(", ", messages.TakeLast(5))}.");
        }
    }

    /// <summary>Waits until <paramref name="count"/> messages arrived.</summary>
    public Task WaitForCountAsync(int count, TimeSpan timeout) => WaitUntilAsync(m => m.Count >= count, timeout, $"{count} messages");
}
