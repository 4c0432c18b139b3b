// A JSON-RPC 2.0 client against an embedded server that speaks the subset rpc-websockets does: methods, and events a
// client subscribes to with rpc.on / rpc.off (events arrive as {"notification": name, "params": ...}). Halfway through,
// the server restarts; the client reconnects and re-sends rpc.on by itself, and requests carry on.
// Run: dotnet run --project samples/ResilientSockets.JsonRpc
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using ResilientSockets;
using ResilientSockets.Testing;

await using var server = await LoopbackWebSocketServer.StartAsync();
var subscribed = new ConcurrentDictionary<int, ServerConnection>();
var rpcOn = 0;
server.Map("/rpc", new ServerRoute
{
    OnMessage = async (connection, message) =>
    {
        using var json = JsonDocument.Parse(message.Data);
        var root = json.RootElement;
        var method = root.GetProperty("method").GetString();
        var id = root.GetProperty("id").GetRawText();
        var parameters = root.TryGetProperty("params", out var p) ? p : default;
        switch (method)
        {
            case "rpc.on":
                Interlocked.Increment(ref rpcOn);
                Console.WriteLine($"  [server] rpc.on {parameters[0]} from connection {connection.Id}");
                subscribed[connection.Id] = connection;
                await connection.SendTextAsync($"{{\"jsonrpc\":\"2.0\",\"result\":{{\"{parameters[0]}\":\"ok\"}},\"id\":{id}}}");
                break;
            case "rpc.off":
                subscribed.TryRemove(connection.Id, out _);
                await connection.SendTextAsync($"{{\"jsonrpc\":\"2.0\",\"result\":{{\"{parameters[0]}\":\"ok\"}},\"id\":{id}}}");
                break;
            case "add":
                await connection.SendTextAsync($"{{\"jsonrpc\":\"2.0\",\"result\":{parameters[0].GetInt32() + parameters[1].GetInt32()},\"id\":{id}}}");
                break;
            default:
                await connection.SendTextAsync($"{{\"jsonrpc\":\"2.0\",\"error\":{{\"code\":-32601,\"message\":\"Method not found\"}},\"id\":{id}}}");
                break;
        }
    },
});

// The server's event source: a tick every 200 ms to every subscribed connection.
using var stopTicking = new CancellationTokenSource();
var ticking = Task.Run(async () =>
{
    for (var n = 1; !stopTicking.IsCancellationRequested; n++)
    {
        await Task.Delay(200);
        foreach (var connection in subscribed.Values.Where(c => !c.Completion.IsCompleted))
        {
            try
            {
                await connection.SendTextAsync($"{{\"notification\":\"tick\",\"params\":{{\"n\":{n}}}}}");
            }
            catch (Exception)
            {
                // That connection just went away.
            }
        }
    }
});

await using var client = new ResilientWebSocket(new ResilientWebSocketOptions
{
    Uri = server.GetUri("/rpc"),
    Reconnect = { Delay = TimeSpan.FromMilliseconds(200) },
    Subscriptions = new SubscriptionOptions { Protocol = new JsonRpcProtocol(), RequestTimeout = TimeSpan.FromSeconds(5) },
});
client.StateChanged += (_, e) => Console.WriteLine($"  (client: {e.State})");
await client.StartAsync();

Console.WriteLine($"add(2, 3) -> {Encoding.UTF8.GetString((await client.RequestAsync("add", "[2,3]"u8.ToArray())).Span)}");
try
{
    await client.RequestAsync("nope", default);
}
catch (RequestFailedException ex)
{
    Console.WriteLine($"nope() -> {ex.ServerMessage}");
}

using var ticks = client.Subscribe("tick");
var seen = 0;
await foreach (var tick in ticks.ReadAllAsync())
{
    Console.WriteLine($"tick: {tick.Text}");
    if (++seen == 3)
    {
        Console.WriteLine("-- restarting the server --");
        subscribed.Clear();
        await server.RestartAsync();
    }

    if (seen == 6)
    {
        break;
    }
}

Console.WriteLine($"add(40, 2) after the restart -> {Encoding.UTF8.GetString((await client.RequestAsync("add", "[40,2]"u8.ToArray())).Span)}");
Console.WriteLine($"The server saw {rpcOn} rpc.on calls: one per connection, re-sent by the client after the restart.");
stopTicking.Cancel();
await ticking;
return rpcOn == 2 ? 0 : 1;
