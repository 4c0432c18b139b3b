// Two chat clients through an embedded server that broadcasts every message to every connection.
// Halfway through, the server drops everyone; both clients reconnect, rejoin in their on-connected hook, and chat on.
using System.Net.WebSockets;
using ResilientSockets;
using ResilientSockets.Testing;

await using var server = await LoopbackWebSocketServer.StartAsync();
server.Map("/chat", new ServerRoute
{
    OnMessage = async (_, message) =>
    {
        foreach (var connection in server.Connections.Where(c => !c.Completion.IsCompleted))
        {
            try
            {
                await connection.SendAsync(message.Data, WebSocketMessageType.Text);
            }
            catch (WebSocketException)
            {
                // That one just left.
            }
        }
    },
});

var script = new[] { ("alice", "hi bob"), ("bob", "hey alice"), ("alice", "the server is about to restart"), ("bob", "we will survive"), ("alice", "still here?"), ("bob", "still here.") };
var expected = script.Length * 2;
var heard = 0;
var allHeard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

ResilientWebSocket Join(string name)
{
    var client = new ResilientWebSocket(new ResilientWebSocketOptions
    {
        Uri = server.GetUri("/chat"),
        Name = name,
        Reconnect = { Delay = TimeSpan.FromMilliseconds(200) },
        OnConnected = (ctx, ct) => ctx.SendTextAsync($"* {name} {(ctx.IsReconnect ? "is back" : "joined")}", ct),
    });
    client.MessageReceived += (message, _) =>
    {
        Console.WriteLine($"  [{name} sees] {message.Text}");
        if (!message.Text.StartsWith('*') && Interlocked.Increment(ref heard) == expected)
        {
            allHeard.TrySetResult();
        }

        return ValueTask.CompletedTask;
    };
    client.StateChanged += (_, e) => { if (e.State is ConnectionState.Reconnecting or ConnectionState.Open) Console.WriteLine($"  ({name}: {e.State})"); };
    return client;
}

await using var alice = Join("alice");
await using var bob = Join("bob");
await alice.StartAsync();
await bob.StartAsync();
var clients = new Dictionary<string, ResilientWebSocket> { ["alice"] = alice, ["bob"] = bob };

for (var i = 0; i < script.Length; i++)
{
    var (who, text) = script[i];
    await clients[who].SendTextAsync($"{who}: {text}");
    if (i == 2)
    {
        await server.WaitUntilAsync(s => s.ReceivedMessages.Any(m => m.Text.Contains("about to restart", StringComparison.Ordinal)), TimeSpan.FromSeconds(10));
        Console.WriteLine("--- server restarts ---");
        await server.RestartAsync();
    }
}

await allHeard.Task.WaitAsync(TimeSpan.FromSeconds(30));
Console.WriteLine("Both clients heard every line. Bye.");
return 0;
