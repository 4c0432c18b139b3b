using ResilientSockets.Testing;

// The echo server the page connects to (Kestrel on a free loopback port; /echo sends every message back).
await using var echo = await LoopbackWebSocketServer.StartAsync();

var builder = WebApplication.CreateBuilder(args);
// Serve the referenced Blazor app from its build output in any environment, on a free loopback port.
builder.WebHost.UseStaticWebAssets();
builder.WebHost.UseUrls("http://127.0.0.1:0");
builder.Logging.SetMinimumLevel(LogLevel.Warning);
await using var app = builder.Build();
app.UseBlazorFrameworkFiles();
app.UseStaticFiles();
app.MapFallbackToFile("index.html");
await app.StartAsync();

var page = app.Urls.First();
Console.WriteLine($"Open {page}/?server={Uri.EscapeDataString(echo.GetUri().ToString())}");
Console.WriteLine("Type s + Enter to stop the echo server, r + Enter to restart it, q + Enter (or Ctrl+C) to quit.");
Console.WriteLine("Messages sent while it is stopped are queued by the page and echoed after the restart.");

// Ctrl+C and SIGTERM reach the host's lifetime (it stops the application); q + Enter does the same.
using var quit = CancellationTokenSource.CreateLinkedTokenSource(app.Lifetime.ApplicationStopping);

_ = Task.Run(async () =>
{
    while (await Console.In.ReadLineAsync(quit.Token) is { } line)
    {
        switch (line.Trim())
        {
            case "s":
                await echo.StopAsync();
                Console.WriteLine("Echo server stopped.");
                break;
            case "r":
                await echo.RestartAsync();
                Console.WriteLine($"Echo server listening again on port {echo.Port}.");
                break;
            case "q":
                quit.Cancel();
                return;
        }
    }
});

try
{
    await Task.Delay(Timeout.Infinite, quit.Token);
}
catch (OperationCanceledException)
{
}

await app.StopAsync();
