// The child process of the outbox crash and offline tests. It opens the SQLite outbox at <db>, starts a client on
// <url> (with a reliable session unless --plain) and sends the numbers <first>..<last> durably, one after another, as
// text "<number>:<runId>". After each durable send RETURNS it prints "R <number>" and flushes stdout, so the parent
// knows exactly which messages the outbox had accepted when it killed this process.
//
// After the last number:
//   --then deliver (default)  FlushAsync (everything written, or acknowledged in a session), print DONE, exit 0
//   --then exit               print ACCEPTED, dispose the client and the store (messages stay stored), exit 0
//   --then hang               print ACCEPTED and wait to be killed
//
// The client is started without waiting for the first connection: the offline tests run it while the server is down,
// and durable sends are accepted before and while the client connects. Exit codes: 0 done, 2 bad arguments, 3 an
// error (printed to stderr), 4 the watchdog fired (the parent vanished and the server never came).
using System.Globalization;
using ResilientSockets;
using ResilientSockets.Outbox.Sqlite;

if (args.Length < 5
    || !Uri.TryCreate(args[0], UriKind.Absolute, out var uri)
    || !int.TryParse(args[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var first)
    || !int.TryParse(args[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out var last))
{
    Console.Error.WriteLine("usage: <server url> <db path> <run id> <first number> <last number> [--plain] [--then deliver|exit|hang]");
    return 2;
}

var dbPath = args[1];
var runId = args[2];
var plain = args.Contains("--plain");
var thenIndex = Array.IndexOf(args, "--then");
var then = thenIndex >= 0 && thenIndex + 1 < args.Length ? args[thenIndex + 1] : "deliver";

// A child must never outlive its test: if the parent died and nobody kills it, give up after five minutes.
_ = Task.Delay(TimeSpan.FromMinutes(5)).ContinueWith(_ => Environment.Exit(4), TaskScheduler.Default);

try
{
    await using var store = await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = dbPath });
    await using var client = new ResilientWebSocket(new ResilientWebSocketOptions
    {
        Uri = uri,
        Session = plain ? null : new ReliableSessionOptions(),
        Outbox = new OutboxOptions { Store = store },

        // Offline runs wait for a server that comes up later: retry often so delivery starts promptly.
        Reconnect = { Delay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(200) },
    });

    var started = client.StartAsync();
    var stdout = Console.Out;
    for (var number = first; number <= last; number++)
    {
        await client.SendTextAsync(string.Create(CultureInfo.InvariantCulture, $"{number}:{runId}"));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"R {number}"));
        stdout.Flush();
    }

    switch (then)
    {
        case "exit":
            stdout.WriteLine("ACCEPTED");
            stdout.Flush();

            // Disposing stops the client; what was not sent stays in the store for the next run.
            await client.DisposeAsync();
            _ = started.ContinueWith(t => t.Exception, TaskScheduler.Default);
            return 0;

        case "hang":
            stdout.WriteLine("ACCEPTED");
            stdout.Flush();
            await Task.Delay(Timeout.Infinite);
            return 0;

        default:
            await started;
            await client.FlushAsync();
            stdout.WriteLine("DONE");
            stdout.Flush();
            return 0;
    }
}
catch (Exception exception)
{
    Console.Error.WriteLine("ERROR " + exception);
    return 3;
}
