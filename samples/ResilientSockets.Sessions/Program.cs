// A conversation in a reliable session through three connection cuts. An embedded ASP.NET Core server
// (ResilientSockets.Server, MapResilientSessions) answers every "question n" with "answer n"; the client asks in rounds
// of 50 without waiting, and each round ends with a cut while messages are still unacknowledged:
//   1. the network drops the connection (a TCP proxy between them resets both sides),
//   2. the server aborts the connection,
//   3. the link goes silent and the client's own heartbeat gives up on it.
// After each cut the client resumes the same session: each side replays what the other had not acknowledged and drops
// what it already delivered. At the end both sides check that every message arrived exactly once, in order.
// Exit code 0 if so, 1 if anything was lost, duplicated or reordered.
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ResilientSockets;
using ResilientSockets.Server;
using ResilientSockets.Testing;

const int PerRound = 50;
var timeout = TimeSpan.FromSeconds(10);

// --- The server: one session endpoint. The handler runs once per session, across all of the client's reconnects. ---
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls("http://127.0.0.1:0");
await using var app = builder.Build();
app.UseWebSockets();

// The request currently carrying the session, so the server can abort its connection (cut 2).
HttpContext? connection = null;
app.Use(async (context, next) =>
{
    if (context.WebSockets.IsWebSocketRequest)
    {
        Volatile.Write(ref connection, context);
    }

    await next(context);
});

var heardByServer = new List<int>();
var sessionStarted = new TaskCompletionSource<ResilientSession>(TaskCreationOptions.RunContinuationsAsynchronously);
var sessionsStarted = 0;
app.MapResilientSessions("/conversation", async (session, ct) =>
{
    Interlocked.Increment(ref sessionsStarted);
    sessionStarted.TrySetResult(session);
    await foreach (var message in session.ReadAllAsync(ct))
    {
        var n = int.Parse(message.Text.AsSpan("question ".Length), CultureInfo.InvariantCulture);
        lock (heardByServer)
        {
            heardByServer.Add(n);
        }

        await session.SendTextAsync($"answer {n}", ct);
    }
});
await app.StartAsync();
var port = new Uri(app.Urls.First()).Port;

// --- The client, through a proxy that can cut or silence the link. ---
await using var proxy = TcpFaultProxy.Start(port);
await using var client = new ResilientWebSocket(new ResilientWebSocketOptions
{
    Uri = proxy.Wrap(new Uri($"ws://127.0.0.1:{port}/conversation")),
    Session = new ReliableSessionOptions(),
    Reconnect = { Delay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(100) },
    Heartbeat = { Enabled = true, Interval = TimeSpan.FromMilliseconds(200), Timeout = TimeSpan.FromMilliseconds(300) },
});
var sessionsLost = 0;
client.SessionLost += (_, e) =>
{
    Interlocked.Increment(ref sessionsLost);
    Console.WriteLine($"  session {e.LostSessionId:N} LOST with {e.UnacknowledgedMessages} unacknowledged messages");
};
var firstSession = Guid.Empty;
var opens = 0;
var resumes = 0;
client.StateChanged += (_, e) =>
{
    if (e.State != ConnectionState.Open)
    {
        return;
    }

    // The first open starts the session; every later open with the same id resumed it.
    if (Interlocked.Increment(ref opens) > 1 && client.SessionId == firstSession)
    {
        Interlocked.Increment(ref resumes);
    }
};

using var reader = client.CreateReader();
await using var messages = reader.ReadAllAsync().GetAsyncEnumerator();
var answers = new List<int>();
await client.StartAsync();
firstSession = client.SessionId;
var session = await sessionStarted.Task.WaitAsync(timeout);
Console.WriteLine($"Session {client.SessionId:N} started. {PerRound} questions per round, then a cut.");

string[] cuts = ["the network drops the connection", "the server aborts the connection", "the link goes silent; the client's heartbeat gives up"];
var ok = true;
for (var round = 0; round <= cuts.Length; round++)
{
    for (var i = round * PerRound; i < (round + 1) * PerRound; i++)
    {
        await client.SendTextAsync($"question {i}"); // written and kept for replay; not yet acknowledged
    }

    var replayedBefore = session.MessagesReplayed;
    if (round < cuts.Length)
    {
        var unacknowledged = client.UnacknowledgedMessageCount;
        Console.WriteLine($"Round {round + 1}: {PerRound} questions sent, {unacknowledged} not yet acknowledged by the server; cut: {cuts[round]}");
        switch (round)
        {
            case 0:
                proxy.CutAll();
                break;
            case 1:
                Volatile.Read(ref connection)?.Abort();
                break;
            default:
                proxy.BlackHoleExistingLinks();
                break;
        }
    }
    else
    {
        Console.WriteLine($"Round {round + 1}: {PerRound} questions sent, no cut.");
    }

    // Every answer so far, read as it comes: a duplicate or a gap shows up in the check below.
    try
    {
        while (answers.Count < (round + 1) * PerRound && await messages.MoveNextAsync().AsTask().WaitAsync(timeout))
        {
            answers.Add(int.Parse(messages.Current.Text.AsSpan("answer ".Length), CultureInfo.InvariantCulture));
        }
    }
    catch (TimeoutException)
    {
        Console.WriteLine($"  timed out with {answers.Count} answers");
        ok = false;
        break;
    }

    Console.WriteLine($"  {answers.Count} answers so far; client resumes {Volatile.Read(ref resumes)}; server: resumes {session.Resumes}, replayed {session.MessagesReplayed - replayedBefore} answers after this cut ({session.MessagesReplayed} in all)");
}

await client.FlushAsync().WaitAsync(timeout);
var total = (cuts.Length + 1) * PerRound;
int[] expected = [.. Enumerable.Range(0, total)];
int[] heard;
lock (heardByServer)
{
    heard = [.. heardByServer];
}

var clientOk = answers.SequenceEqual(expected);
var serverOk = heard.SequenceEqual(expected);
Console.WriteLine();
Console.WriteLine($"Client: {answers.Count} answers, {(clientOk ? "each exactly once, in order" : "LOST, DUPLICATED OR REORDERED")}; resumed the session {resumes} times.");
Console.WriteLine($"Server: {heard.Length} questions, {(serverOk ? "each exactly once, in order" : "LOST, DUPLICATED OR REORDERED")}; session resumed {session.Resumes} times, {session.MessagesReplayed} answers replayed.");
Console.WriteLine($"Sessions started on the server: {sessionsStarted}; lost on the client: {sessionsLost}.");

// A drained stop closes with 1000, which ends the session on both sides.
await client.StopAsync(drainTimeout: TimeSpan.FromSeconds(5));
await app.StopAsync();
ok = ok && clientOk && serverOk && sessionsStarted == 1 && sessionsLost == 0;
Console.WriteLine(ok ? "OK" : "FAILED");
return ok ? 0 : 1;
