// The whole story of a resilient client in one process: an embedded Kestrel server, a client that authenticates in
// its on-connected hook, a server outage with backoff, messages queued while offline and delivered after reconnect,
// and a clean stop. Exits 0 on its own.
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ResilientSockets;
using ResilientSockets.Testing;

var clock = Stopwatch.StartNew();
void Say(string text) => Console.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0.00}s] {text}");

using var loggerFactory = LoggerFactory.Create(b => b
    .AddSimpleConsole(o => { o.SingleLine = true; o.IncludeScopes = false; o.TimestampFormat = null; })
    .SetMinimumLevel(LogLevel.Information));

await using var server = await LoopbackWebSocketServer.StartAsync();
server.Map("/chat", new ServerRoute
{
    OnMessage = (connection, message) => message.Text.StartsWith("auth:", StringComparison.Ordinal)
        ? connection.SendTextAsync("auth-ok")
        : connection.SendTextAsync("echo: " + message.Text),
});
Say($"server: listening on {server.GetUri("/chat")}");

var options = new ResilientWebSocketOptions
{
    Uri = server.GetUri("/chat"),
    Name = "demo",
    Reconnect = { Delay = TimeSpan.FromMilliseconds(250), MaxDelay = TimeSpan.FromSeconds(2), MinUptime = TimeSpan.FromSeconds(1) },
    OnConnected = async (ctx, ct) =>
    {
        await ctx.SendTextAsync("auth:demo-token", ct);
        var reply = await ctx.ReceiveAsync(ct);
        Say($"client: on-connected hook authenticated ({reply.Text}){(ctx.IsReconnect ? " again after reconnect" : string.Empty)}");
    },
};

await using var client = new ResilientWebSocket(options, loggerFactory.CreateLogger("ResilientSockets"));
var linkLost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
client.StateChanged += (_, e) =>
{
    Say($"client: state {e.PreviousState} -> {e.State}{(e.Cause is null ? string.Empty : $" ({e.Cause.GetType().Name})")}");
    if (e.State == ConnectionState.Reconnecting)
    {
        linkLost.TrySetResult();
    }
};
var echoes = 0;
var firstEchoes = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
var allEchoes = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
client.MessageReceived += (message, _) =>
{
    Say($"client: received '{message.Text}'");
    var count = Interlocked.Increment(ref echoes);
    if (count == 3)
    {
        firstEchoes.TrySetResult();
    }
    else if (count == 6)
    {
        allEchoes.TrySetResult();
    }

    return ValueTask.CompletedTask;
};

await client.StartAsync();
for (var i = 1; i <= 3; i++)
{
    await client.SendTextAsync($"hello {i}");
}

await firstEchoes.Task.WaitAsync(TimeSpan.FromSeconds(10));
Say("server: going down for 2 seconds (connections dropped without a close handshake)");
await server.StopAsync();

// The story is "queued while offline": wait until the client has noticed the outage before sending.
await linkLost.Task.WaitAsync(TimeSpan.FromSeconds(10));
var offline = Enumerable.Range(1, 3).Select(i => client.SendTextAsync($"sent while offline {i}").AsTask()).ToList();
var (queued, state) = (client.QueuedMessageCount, client.State);
if (state is not (ConnectionState.Reconnecting or ConnectionState.Connecting) || queued != 3)
{
    Console.Error.WriteLine($"demo: expected 3 messages queued while offline, saw {queued} while {state}");
    return 1;
}

Say($"client: {queued} messages queued while {state} (the server is down)");

await Task.Delay(TimeSpan.FromSeconds(2));
await server.RestartAsync();
Say("server: back up on the same port");

await Task.WhenAll(offline).WaitAsync(TimeSpan.FromSeconds(15));
Say("client: every queued message was written after the hook ran");
await allEchoes.Task.WaitAsync(TimeSpan.FromSeconds(10));

await client.StopAsync();
Say($"client: stopped cleanly, state {client.State}");
return 0;
