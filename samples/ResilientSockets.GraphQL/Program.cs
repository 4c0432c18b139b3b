// A graphql-ws (graphql-transport-ws) subscription client against an embedded server that speaks the protocol's subset:
// connection_init/ack, subscribe/next/complete, a ticking subscription and a query. Halfway through, the server restarts;
// the client reconnects, acks again and re-sends the subscription by itself: the consumer's loop never notices.
// Run: dotnet run --project samples/ResilientSockets.GraphQL
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using ResilientSockets;
using ResilientSockets.Testing;

await using var server = await LoopbackWebSocketServer.StartAsync();
var subscribes = 0;
var tickers = new ConcurrentDictionary<(int Connection, string Id), CancellationTokenSource>();
server.Map("/graphql", new ServerRoute
{
    OnMessage = async (connection, message) =>
    {
        using var json = JsonDocument.Parse(message.Data);
        var root = json.RootElement;
        var type = root.GetProperty("type").GetString();
        var id = root.TryGetProperty("id", out var idElement) ? idElement.GetString()! : string.Empty;
        switch (type)
        {
            case "connection_init":
                await connection.SendTextAsync("{\"type\":\"connection_ack\"}");
                break;
            case "subscribe" when root.GetProperty("payload").GetProperty("query").GetString()!.StartsWith("subscription", StringComparison.Ordinal):
                Interlocked.Increment(ref subscribes);
                Console.WriteLine($"  [server] subscribe {id} on connection {connection.Id}");
                var stop = new CancellationTokenSource();
                tickers[(connection.Id, id)] = stop;
                _ = Task.Run(async () =>
                {
                    for (var n = 1; !stop.IsCancellationRequested && !connection.Completion.IsCompleted; n++)
                    {
                        await Task.Delay(200);
                        try
                        {
                            await connection.SendTextAsync($"{{\"id\":\"{id}\",\"type\":\"next\",\"payload\":{{\"data\":{{\"tick\":{n}}}}}}}");
                        }
                        catch (Exception)
                        {
                            return; // the connection went away
                        }
                    }
                });
                break;
            case "subscribe":
                await connection.SendTextAsync($"{{\"id\":\"{id}\",\"type\":\"next\",\"payload\":{{\"data\":{{\"hello\":\"world\"}}}}}}");
                await connection.SendTextAsync($"{{\"id\":\"{id}\",\"type\":\"complete\"}}");
                break;
            case "complete":
                Console.WriteLine($"  [server] complete {id}");
                if (tickers.TryRemove((connection.Id, id), out var ticker))
                {
                    ticker.Cancel();
                }

                break;
            case "ping":
                await connection.SendTextAsync("{\"type\":\"pong\"}");
                break;
        }
    },
});

await using var client = new ResilientWebSocket(new ResilientWebSocketOptions
{
    Uri = server.GetUri("/graphql"),
    Reconnect = { Delay = TimeSpan.FromMilliseconds(200) },
    Subscriptions = new SubscriptionOptions { Protocol = new GraphQLWsProtocol() },
});
client.StateChanged += (_, e) => Console.WriteLine($"  (client: {e.State})");
await client.StartAsync();

var hello = await client.RequestAsync("query { hello }", default);
Console.WriteLine($"query {{ hello }} -> {Encoding.UTF8.GetString(hello.Span)}");

using var ticks = client.Subscribe("subscription { tick }");
var seen = 0;
await foreach (var tick in ticks.ReadAllAsync())
{
    Console.WriteLine($"tick: {tick.Text}");
    if (++seen == 3)
    {
        Console.WriteLine("-- restarting the server --");
        await server.RestartAsync();
    }

    if (seen == 6)
    {
        break;
    }
}

Console.WriteLine($"The server saw {subscribes} subscribes: one per connection, re-sent by the client after the restart without the consumer doing anything.");
return subscribes == 2 ? 0 : 1;
