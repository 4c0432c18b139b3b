// A generic-host app: the client is registered with AddResilientWebSocket, configured from appsettings.json,
// started and stopped with the host, and consumed by a BackgroundService. An embedded server pushes ticks.
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ResilientSockets;
using ResilientSockets.Testing;

await using var server = await LoopbackWebSocketServer.StartAsync();
server.Map("/ticker", new ServerRoute
{
    OnConnected = async connection =>
    {
        for (var tick = 1; tick <= 5; tick++)
        {
            await connection.SendTextAsync($"{{\"type\":\"tick\",\"n\":{tick}}}");
        }
    },
    OnMessage = (connection, message) => message.Text == "{\"type\":\"ping\"}" ? connection.SendTextAsync("{\"type\":\"pong\"}") : Task.CompletedTask,
});

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);

// AddHostedClient starts the client in the background: host startup does not wait for the server, and Ctrl+C while
// it is still connecting ends cleanly. (To hold startup until connected: AddHostedClient(o => o.WaitForFirstConnection = true).)
builder.Services.AddResilientWebSocket("ticker", o => o.Uri = server.GetUri("/ticker"))
    .BindConfiguration("Sockets:Ticker")
    .AddHostedClient();
builder.Services.AddHostedService<TickerConsumer>();
using var host = builder.Build();
await host.RunAsync();
Console.WriteLine("Host stopped; the client was stopped with it.");
return 0;

internal sealed class TickerConsumer(IResilientWebSocketFactory sockets, IHostApplicationLifetime lifetime, ILogger<TickerConsumer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var ticks = 0;
        await foreach (var message in sockets.Get("ticker").ReadAllAsync(stoppingToken))
        {
            logger.LogInformation("received {Message}", message.Text);
            if (++ticks == 5)
            {
                // The first heartbeat ping goes out one interval after connecting; wait for its pong before stopping.
                var client = sockets.Get("ticker");
                for (var i = 0; i < 40 && client.LastRoundTripTime is null; i++)
                {
                    await Task.Delay(100, stoppingToken);
                }

                logger.LogInformation("heartbeat round trip {RoundTrip} ms", client.LastRoundTripTime?.TotalMilliseconds);
                lifetime.StopApplication();
            }
        }
    }
}
