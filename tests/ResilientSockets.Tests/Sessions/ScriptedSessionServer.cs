using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ResilientSockets.Tests.Sessions;

/// <summary>
/// A Kestrel endpoint that negotiates the session subprotocol, reads the client's HELLO, answers with a real WELCOME (or
/// not) and then plays a script of hand-made frames: the hostile server for the client's session layer.
/// </summary>
internal sealed class ScriptedSessionServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScriptedSessionServer(WebApplication app, Uri uri)
    {
        _app = app;
        Uri = uri;
    }

    public Uri Uri { get; }

    /// <summary>Gets how the client closed the most recent connection (status and reason), once it has.</summary>
    public TaskCompletionSource<(WebSocketCloseStatus? Status, string? Reason)> ClientClose { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets every frame the client sent after its HELLO, as raw bytes.</summary>
    public List<byte[]> Received { get; } = [];

    public static async Task<ScriptedSessionServer> StartAsync(Func<WebSocket, byte[], Task> script)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.UseWebSockets();
        ScriptedSessionServer? self = null;
        app.Run(async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 400;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync(SessionFrameCodec.SubProtocol);
            var hello = new byte[64];
            var result = await socket.ReceiveAsync(hello, context.RequestAborted);
            await script(socket, hello.AsSpan(0, result.Count).ToArray());

            // Then record what the client sends until it closes.
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
                    if (received.MessageType == WebSocketMessageType.Close)
                    {
                        self!.ClientClose.TrySetResult((socket.CloseStatus, socket.CloseStatusDescription));
                        return;
                    }

                    lock (self!.Received)
                    {
                        self.Received.Add(buffer.AsSpan(0, received.Count).ToArray());
                    }
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                self!.ClientClose.TrySetResult((null, ex.Message));
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new ScriptedSessionServer(app, new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal) + "/"));
        return self;
    }

    public static Task SendAsync(WebSocket socket, byte[] frame, WebSocketMessageType type = WebSocketMessageType.Binary)
        => socket.SendAsync(frame, type, true, CancellationToken.None);

    public static byte[] Welcome(Guid id, bool resumed = false, bool lost = false, ulong lastReceived = 0)
    {
        var frame = new byte[SessionFrameCodec.WelcomeSize];
        SessionFrameCodec.WriteWelcome(frame, id, resumed, lost, lastReceived, 120_000);
        return frame;
    }

    public static byte[] Data(ulong sequence, string text)
    {
        var payload = System.Text.Encoding.UTF8.GetBytes(text);
        var frame = new byte[SessionFrameCodec.HeaderSize + payload.Length];
        SessionFrameCodec.WriteDataHeader(frame, sequence, isText: true);
        payload.CopyTo(frame, SessionFrameCodec.HeaderSize);
        return frame;
    }

    public static byte[] Control(SessionFrameKind kind, ulong value)
    {
        var frame = new byte[SessionFrameCodec.HeaderSize];
        SessionFrameCodec.WriteControl(frame, kind, value);
        return frame;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
