// Uses the packages exactly as published: connect to a local server, echo, reconnect, stop.
using Microsoft.Extensions.DependencyInjection;
using ResilientSockets;
using ResilientSockets.Outbox.Sqlite;
using ResilientSockets.Testing;

await using var server = await LoopbackWebSocketServer.StartAsync();
var services = new ServiceCollection();
services.AddResilientWebSocket("echo", o =>
{
    o.Uri = server.GetUri("/echo");
    o.Reconnect.Delay = TimeSpan.FromMilliseconds(50);
});
await using var provider = services.BuildServiceProvider();
var client = provider.GetRequiredService<IResilientWebSocketFactory>().Get("echo");
await using var messages = client.ReadAllAsync().GetAsyncEnumerator();
var first = messages.MoveNextAsync();
await client.StartAsync();
await client.SendTextAsync("hello from the package");
if (!await first || messages.Current.Text != "hello from the package")
{
    Console.Error.WriteLine("echo failed");
    return 1;
}

server.AbortAll();
var second = messages.MoveNextAsync();
await client.SendTextAsync("after a reconnect");
if (!await second.AsTask().WaitAsync(TimeSpan.FromSeconds(20)) || messages.Current.Text != "after a reconnect")
{
    Console.Error.WriteLine("reconnect failed");
    return 1;
}

await client.StopAsync();

// The SQLite outbox package: a durable send is stored, then written, then leaves the file.
var db = Path.Combine(Path.GetTempPath(), $"consumer-{Guid.NewGuid():N}.db");
await using (var store = await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = db }))
{
    await using var durable = new ResilientWebSocket(new ResilientWebSocketOptions { Uri = server.GetUri("/echo"), Outbox = new OutboxOptions { Store = store } });
    await durable.SendTextAsync("stored first");
    if (store.Count != 1)
    {
        Console.Error.WriteLine("the durable send was not stored");
        return 1;
    }

    await durable.StartAsync();
    await durable.FlushAsync().WaitAsync(TimeSpan.FromSeconds(20));
    if ((await store.LoadPendingAsync()).Count != 0)
    {
        Console.Error.WriteLine("the written message did not leave the outbox");
        return 1;
    }
}

foreach (var file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(db) + "*"))
{
    File.Delete(file);
}

Console.WriteLine($"package consumer ok ({typeof(ResilientWebSocket).Assembly.GetName().Version})");
return 0;
