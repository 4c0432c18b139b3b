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
client.StateChanged += (_, e) => Say($"client: state {e.PreviousState} -> {e.State}{(e.Cause is null ? string.Empty : $" ({e.Cause.GetType().Name})")}");
var echoes = 0;
var allEchoes = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
client.MessageReceived += (message, _) =>
{
    Say($"client: received '{message.Text}'");
    if (Interlocked.Increment(ref echoes) == 6)
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

await server.WaitUntilAsync(s => s.ReceivedCount >= 4, TimeSpan.FromSeconds(10));
Say("server: going down for 2 seconds (connections dropped without a close handshake)");
await server.StopAsync();

var offline = Enumerable.Range(1, 3).Select(i => client.SendTextAsync($"sent while offline {i}").AsTask()).ToList();
Say($"client: {client.QueuedMessageCount} messages queued while {client.State}");

await Task.Delay(TimeSpan.FromSeconds(2));
await server.RestartAsync();
Say("server: back up on the same port");

await Task.WhenAll(offline).WaitAsync(TimeSpan.FromSeconds(15));
Say("client: every queued message was written after the hook ran");
await allEchoes.Task.WaitAsync(TimeSpan.FromSeconds(10));

await client.StopAsync();
Say($"client: stopped cleanly, state {client.State}");
return 0;
