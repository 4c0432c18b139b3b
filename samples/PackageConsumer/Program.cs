// Uses the packages exactly as published: connect to a local server, echo, reconnect, stop.
using Microsoft.Extensions.DependencyInjection;
using ResilientSockets;
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
Console.WriteLine($"package consumer ok ({typeof(ResilientWebSocket).Assembly.GetName().Version})");
return 0;
