using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ResilientSockets;

namespace ResilientSockets.Benchmarks;

/// <summary>The server side of every scenario, in its own process so client figures are the client's.</summary>
internal static class BenchServer
{
    public static async Task<int> RunAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        SessionScenarios.MapServer(app);

        // Mapped endpoints (sessions, /memory) are routed; every other path is one of the raw handlers below.
        app.Use((context, next) => context.GetEndpoint() is null ? HandleAsync(context) : next(context));
        await app.StartAsync();
        Console.WriteLine($"LISTENING {new Uri(app.Urls.First()).Port}");
        await Task.Run(() => Console.In.ReadToEnd());
        await app.StopAsync();
        return 0;
    }

    private static async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        try
        {
            switch (context.Request.Path.Value)
            {
                case "/sink":
                    await SinkAsync(socket, context.Request.Query["count"]);
                    break;
                case "/echo":
                    await EchoAsync(socket);
                    break;
                case "/transfer":
                    await TransferAsync(socket);
                    break;
                case "/idle":
                    await PongAsync(socket);
                    break;
                case "/topics":
                    await TopicFloodAsync(socket, context.Request.Query["count"]);
                    break;
                case "/respond":
                    await RespondAsync(socket);
                    break;
                case "/flood":
                    await FloodAsync(socket, context.Request.Query["count"], context.Request.Query["size"]);
                    break;
                default:
                    await socket.CloseAsync(WebSocketCloseStatus.PolicyViolation, "unknown path", default);
                    break;
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
        }
    }

    // Counts messages and answers "done <n>" after the expected count, so the client can time delivery, not just writes.
    private static async Task SinkAsync(WebSocket socket, string? expected)
    {
        var target = long.Parse(expected ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        var buffer = new byte[1 << 20];
        long messages = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), default);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, default);
                return;
            }

            if (result.EndOfMessage && ++messages == target)
            {
                await socket.SendAsync("done"u8.ToArray(), WebSocketMessageType.Text, true, default);
            }
        }
    }

    private static async Task EchoAsync(WebSocket socket)
    {
        var buffer = new byte[1 << 16];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), default);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, default);
                return;
            }

            await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, default);
        }
    }

    // On "go", sends count binary messages of size bytes as fast as it can, then waits for the client to close.
    private static async Task FloodAsync(WebSocket socket, string? count, string? size)
    {
        var buffer = new byte[4096];
        var go = await socket.ReceiveAsync(buffer.AsMemory(), default);
        if (go.MessageType == WebSocketMessageType.Close)
        {
            return;
        }

        var payload = new byte[int.Parse(size ?? "64", System.Globalization.CultureInfo.InvariantCulture)];
        Array.Fill(payload, (byte)'f');
        var total = int.Parse(count ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < total; i++)
        {
            await socket.SendAsync(payload.AsMemory(), WebSocketMessageType.Binary, true, default);
        }

        while ((await socket.ReceiveAsync(buffer.AsMemory(), default)).MessageType != WebSocketMessageType.Close)
        {
        }

        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, default);
    }

    // Answers the default JSON ping with a pong and echoes anything else: the peer for idle, restart and black-hole runs.
    private static async Task PongAsync(WebSocket socket)
    {
        var buffer = new byte[4096];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), default);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, default);
                return;
            }

            var message = buffer.AsMemory(0, result.Count);
            if (message.Span.SequenceEqual("{\"type\":\"ping\"}"u8))
            {
                await socket.SendAsync("{\"type\":\"pong\"}"u8.ToArray(), WebSocketMessageType.Text, true, default);
            }
            else
            {
                await socket.SendAsync(message, result.MessageType, result.EndOfMessage, default);
            }
        }
    }

    // Chunk frames go through the public reassembler into Stream.Null; any other binary message is read and dropped.
    private static async Task TransferAsync(WebSocket socket)
    {
        await using var reassembler = new ChunkReassembler(new ChunkedTransferOptions { SinkFactory = (_, _, _) => ValueTask.FromResult(Stream.Null), MaxTransferSize = 1L << 31 });
        var buffer = new byte[(1 << 16) + 1024];
        long raw = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), default);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, default);
                return;
            }

            if (!result.EndOfMessage || raw > 0)
            {
                // A raw large message: count it, do not keep it.
                raw += result.Count;
                if (result.EndOfMessage)
                {
                    await socket.SendAsync(System.Text.Encoding.UTF8.GetBytes($"raw {raw}"), WebSocketMessageType.Text, true, default);
                    raw = 0;
                }

                continue;
            }

            var frame = buffer.AsMemory(0, result.Count);
            if (result.MessageType == WebSocketMessageType.Binary && ChunkFrameCodec.IsFrame(frame.Span))
            {
                await reassembler.ProcessAsync(frame, (reply, ct) => socket.SendAsync(reply, WebSocketMessageType.Binary, true, ct));
            }
        }
    }

    // {type, topic} protocol: ignores subscribes until "go", then sends count 64-byte events round-robin over 1,000 topics.
    private static async Task TopicFloodAsync(WebSocket socket, string? count)
    {
        var buffer = new byte[4096];
        while (true)
        {
            var message = await socket.ReceiveAsync(buffer.AsMemory(), default);
            if (message.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            if (message.Count == 2 && buffer[0] == (byte)'g' && buffer[1] == (byte)'o')
            {
                break;
            }
        }

        var total = int.Parse(count ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        var events = new byte[SubscriptionScenarios.Topics][];
        for (var t = 0; t < events.Length; t++)
        {
            var head = $"{{\"type\":\"event\",\"topic\":\"t{t:D3}\",\"data\":\"";
            events[t] = System.Text.Encoding.UTF8.GetBytes(head + new string('d', 64 - head.Length - 2) + "\"}");
        }

        for (var i = 0; i < total; i++)
        {
            await socket.SendAsync(events[i % events.Length].AsMemory(), WebSocketMessageType.Text, true, default);
        }

        while ((await socket.ReceiveAsync(buffer.AsMemory(), default)).MessageType != WebSocketMessageType.Close)
        {
        }

        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, default);
    }

    // {type, topic} protocol: answers every request with a response of the same length carrying its id.
    private static async Task RespondAsync(WebSocket socket)
    {
        var buffer = new byte[1 << 16];
        var reply = new byte[1 << 16];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), default);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, default);
                return;
            }

            var request = buffer.AsSpan(0, result.Count);
            var idStart = request.IndexOf("\"id\":\""u8) + 6;
            var idLength = request[idStart..].IndexOf((byte)'"');
            var written = 0;
            var head = "{\"type\":\"response\",\"id\":\""u8;
            head.CopyTo(reply);
            written += head.Length;
            request.Slice(idStart, idLength).CopyTo(reply.AsSpan(written));
            written += idLength;
            var middle = "\",\"result\":\""u8;
            middle.CopyTo(reply.AsSpan(written));
            written += middle.Length;
            var pad = Math.Max(0, result.Count - written - 2);
            reply.AsSpan(written, pad).Fill((byte)'r');
            written += pad;
            "\"}"u8.CopyTo(reply.AsSpan(written));
            written += 2;
            await socket.SendAsync(reply.AsMemory(0, written), WebSocketMessageType.Text, true, default);
        }
    }
}
