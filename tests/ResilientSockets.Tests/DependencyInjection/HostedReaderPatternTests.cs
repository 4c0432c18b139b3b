using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ResilientSockets.Tests.DependencyInjection;

/// <summary>
/// The HostedApp sample's shape: a hosted client that connects in the background, a server that pushes as soon as the
/// client connects, and a BackgroundService that starts reading whenever the host gets to it. Run many times.
/// </summary>
public sealed class HostedReaderPatternTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_background_service_that_reads_after_the_hosted_client_connected_sees_every_tick_in_50_runs()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.Map("/ticker", new ServerRoute
        {
            RecordMessages = false,
            OnConnected = async connection =>
            {
                for (var tick = 1; tick <= 5; tick++)
                {
                    await connection.SendTextAsync(tick.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
            },
        });

        for (var run = 0; run < 50; run++)
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Services.AddResilientWebSocket("ticker", o => o.Uri = server.GetUri("/ticker")).AddHostedClient();
            var received = new TaskCompletionSource<string[]>(TaskCreationOptions.RunContinuationsAsynchronously);
            builder.Services.AddSingleton(received);
            builder.Services.AddHostedService<TickReader>();
            using var host = builder.Build();

            await host.StartAsync().WaitAsync(TestTimeouts.Signal);
            var ticks = await received.Task.WaitAsync(TestTimeouts.Signal); // a lost tick would hang here until the timeout
            await host.StopAsync().WaitAsync(TestTimeouts.Signal);

            ticks.Should().Equal("1", "2", "3", "4", "5");
        }

        output.WriteLine("50 runs, every tick received in each");
    }

    private sealed class TickReader(IResilientWebSocketFactory sockets, TaskCompletionSource<string[]> received) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            var ticks = new List<string>();
            await foreach (var message in sockets.Get("ticker").ReadAllAsync(stoppingToken))
            {
                ticks.Add(message.Text);
                if (ticks.Count == 5)
                {
                    received.TrySetResult([.. ticks]);
                    return;
                }
            }
        }
    }
}
