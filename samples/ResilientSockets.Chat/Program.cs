// Two chat clients through an embedded server that broadcasts every message to every connection.
// Halfway through, the server drops everyone; both clients reconnect, rejoin in their on-connected hook, and chat on.
// Each line is said after the previous one was heard by everyone (people reply to what they heard), and the server
// broadcasts one message at a time, so the transcript below is the order in which things really happened.
using System.Collections.Concurrent;
using System.Net.WebSockets;
using ResilientSockets;
using ResilientSockets.Testing;

var broadcastGate = new SemaphoreSlim(1, 1);
await using var server = await LoopbackWebSocketServer.StartAsync();
server.Map("/chat", new ServerRoute
{
    OnMessage = async (_, message) =>
    {
        // One broadcast at a time: every connection receives the messages in the same order.
        await broadcastGate.WaitAsync();
        try
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
        }
        finally
        {
            broadcastGate.Release();
        }
    },
});

// Who has heard which line: the main flow waits until everyone heard a line before the next one is said.
var heard = new ConcurrentDictionary<string, ConcurrentDictionary<string, TaskCompletionSource>>();
Task HeardBy(string listener, string line) =>
    heard.GetOrAdd(listener, _ => new()).GetOrAdd(line, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

// Each client's second Open: it is back after the restart.
var reconnected = new ConcurrentDictionary<string, TaskCompletionSource>();
Task Reconnected(string name) => reconnected.GetOrAdd(name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

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
        heard.GetOrAdd(name, _ => new()).GetOrAdd(message.Text, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return ValueTask.CompletedTask;
    };
    var opens = 0;
    client.StateChanged += (_, e) =>
    {
        if (e.State == ConnectionState.Open && Interlocked.Increment(ref opens) == 2)
        {
            reconnected.GetOrAdd(name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    };
    return client;
}

var timeout = TimeSpan.FromSeconds(15);
await using var alice = Join("alice");
await using var bob = Join("bob");
var clients = new Dictionary<string, ResilientWebSocket> { ["alice"] = alice, ["bob"] = bob };

await alice.StartAsync();
await HeardBy("alice", "* alice joined").WaitAsync(timeout);
Console.WriteLine("  * alice joined");
await bob.StartAsync();
await Task.WhenAll(HeardBy("alice", "* bob joined"), HeardBy("bob", "* bob joined")).WaitAsync(timeout);
Console.WriteLine("  * bob joined");

var script = new[] { ("alice", "hi bob"), ("bob", "hey alice"), ("alice", "the server is about to restart"), ("bob", "we will survive"), ("alice", "still here?"), ("bob", "still here.") };
for (var i = 0; i < script.Length; i++)
{
    var (who, text) = script[i];
    var line = $"{who}: {text}";
    await clients[who].SendTextAsync(line);
    await Task.WhenAll(clients.Keys.Select(listener => HeardBy(listener, line))).WaitAsync(timeout);
    Console.WriteLine($"  {line,-40} (heard by {string.Join(" and ", clients.Keys)})");

    if (i == 2)
    {
        Console.WriteLine("--- the server restarts: every connection is dropped ---");
        await server.RestartAsync();
        await Task.WhenAll(clients.Keys.Select(Reconnected)).WaitAsync(timeout);
        Console.WriteLine("  (both reconnected on their own; their on-connected hooks announced them again)");
    }
}

Console.WriteLine("Both clients heard every line, in order. Bye.");
return 0;
