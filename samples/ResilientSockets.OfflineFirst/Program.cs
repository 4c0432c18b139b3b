// An offline-first client: the app keeps taking the user's messages while its server is unreachable, and across a
// restart of itself, because every send is stored in a SQLite outbox (ResilientSockets.Outbox.Sqlite) before it returns.
//   1. The server is down. The app accepts 5 messages, then it is closed (client and store disposed).
//   2. The app starts again on the same file: it shows what it will replay, accepts 3 more, still offline.
//   3. The server (ASP.NET Core, MapResilientSessions) comes up; the outbox delivers everything, oldest first.
// The server's application checks that it saw each of the 8 messages exactly once, in order. Exit code 0 if so.
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using ResilientSockets;
using ResilientSockets.Outbox.Sqlite;

var timeout = TimeSpan.FromSeconds(15);
var directory = Path.Combine(Path.GetTempPath(), "rs-offline-first-" + Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(directory);
var outboxFile = Path.Combine(directory, "outbox.db");

// The server's address is known, but nothing listens there yet.
int port;
using (var probe = new TcpListener(IPAddress.Loopback, 0))
{
    probe.Start();
    port = ((IPEndPoint)probe.LocalEndpoint).Port;
}

var uri = new Uri($"ws://127.0.0.1:{port}/orders");
Console.WriteLine($"Outbox file: {outboxFile}");
Console.WriteLine($"Server: {uri} (down for now)");
try
{
    // --- 1. First run of the app, offline. ---
    Console.WriteLine();
    Console.WriteLine("1. The app runs while the server is down.");
    await using (var store = await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = outboxFile }))
    {
        await using var client = CreateClient(uri, store);
        var start = client.StartAsync(); // completes with the first connection: not today
        for (var i = 1; i <= 5; i++)
        {
            await client.SendTextAsync($"order {i}"); // returns once the message is in the outbox file
        }

        Console.WriteLine($"   accepted 5 messages; the outbox holds {client.OutboxCount}. The app is closed.");
        await client.DisposeAsync(); // the client first, then the store (the client never disposes the store)
        await Ignore(start);
    }

    // --- 2. The app starts again on the same file. ---
    Console.WriteLine();
    Console.WriteLine("2. The app starts again; the server is still down.");
    await using var reopened = await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = outboxFile });
    foreach (var record in await reopened.LoadPendingAsync())
    {
        Console.WriteLine($"   will replay #{record.Id}: \"{Encoding.UTF8.GetString(record.Payload.Span)}\" (accepted {record.EnqueuedAt:HH:mm:ss.fff})");
    }

    await using var app = CreateClient(uri, reopened);
    var started = app.StartAsync();
    for (var i = 6; i <= 8; i++)
    {
        await app.SendTextAsync($"order {i}");
    }

    Console.WriteLine($"   accepted 3 more; the outbox holds {app.OutboxCount}.");

    // --- 3. A while later the server comes up. ---
    await Task.Delay(TimeSpan.FromSeconds(1));
    Console.WriteLine();
    Console.WriteLine("3. The server comes up.");
    var received = new List<string>();
    var allReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
    await using var server = builder.Build();
    server.UseWebSockets();
    server.MapResilientSessions("/orders", async (session, ct) =>
    {
        await foreach (var message in session.ReadAllAsync(ct))
        {
            Console.WriteLine($"   server received \"{message.Text}\"");
            lock (received)
            {
                received.Add(message.Text);
                if (received.Count == 8)
                {
                    allReceived.TrySetResult();
                }
            }
        }
    });
    await server.StartAsync();

    await started.WaitAsync(timeout);
    await app.FlushAsync().WaitAsync(timeout); // every message acknowledged by the server, so out of the outbox
    await allReceived.Task.WaitAsync(timeout);

    string[] heard;
    lock (received)
    {
        heard = [.. received];
    }

    var expected = Enumerable.Range(1, 8).Select(i => $"order {i}");
    var ok = heard.SequenceEqual(expected);
    Console.WriteLine();
    Console.WriteLine($"Accepted 8 (5 before the restart, 3 after), replayed 5 from the file, delivered {heard.Length}: "
        + (ok ? "each exactly once, in order" : "LOST, DUPLICATED OR REORDERED") + $". Outbox now holds {app.OutboxCount}.");
    await app.StopAsync(drainTimeout: TimeSpan.FromSeconds(5));
    await server.StopAsync();
    Console.WriteLine(ok ? "OK" : "FAILED");
    return ok ? 0 : 1;
}
catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
{
    Console.WriteLine($"FAILED: {exception.Message}");
    return 1;
}
finally
{
    Directory.Delete(directory, recursive: true);
}

static ResilientWebSocket CreateClient(Uri uri, SqliteOutboxStore store) => new(new ResilientWebSocketOptions
{
    Uri = uri,
    Session = new ReliableSessionOptions(), // with a session: removed when acknowledged, exactly once across restarts
    Outbox = new OutboxOptions { Store = store },
    Reconnect = { Delay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(250) },
});

// A start that never reached a connection ends when its client is disposed: that outcome is expected here.
static async Task Ignore(Task start)
{
    try
    {
        await start;
    }
    catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or WebSocketConnectException)
    {
    }
}
