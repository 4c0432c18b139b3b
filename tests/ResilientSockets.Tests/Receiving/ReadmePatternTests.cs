using System.Diagnostics;
using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ResilientSockets.Tests.Receiving;

/// <summary>The README's "Use it" shape (start, send, then read) run as a new user would, many times over.</summary>
public sealed class ReadmePatternTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Start_send_then_read_never_loses_the_reply_in_1000_runs()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.Map("/echo-unrecorded", new ServerRoute { RecordMessages = false, OnMessage = (c, m) => c.SendAsync(m.Data, m.MessageType) });
        var clock = Stopwatch.StartNew();
        var lost = 0;

        for (var run = 0; run < 1000; run++)
        {
            await using var client = Sut.Create(server.GetUri("/echo-unrecorded"));
            await client.StartAsync();
            var request = "ping-" + run.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await client.SendTextAsync(request);

            using var cts = new CancellationTokenSource(TestTimeouts.Signal);
            string? reply = null;
            try
            {
                await foreach (var message in client.ReadAllAsync(cts.Token))
                {
                    reply = message.Text;
                    break;
                }
            }
            catch (OperationCanceledException)
            {
                lost++;
                continue;
            }

            reply.Should().Be(request);
        }

        output.WriteLine($"1000 runs in {clock.Elapsed.TotalSeconds:0.0} s, {lost} replies lost");
        lost.Should().Be(0);
    }
}
