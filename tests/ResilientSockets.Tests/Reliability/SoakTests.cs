using System.Diagnostics;
using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ResilientSockets.Tests.Reliability;

[Collection(ProcessWideCollection.Name)]
public sealed class SoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_minute_of_traffic_with_periodic_cuts_does_not_grow_the_heap_or_the_handle_count()
    {
        var duration = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("RS_SOAK_SECONDS"), out var s) ? s : 60);
        const long HeapBound = 8L * 1024 * 1024;
        const int HandleBound = 16;
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var echo = ServerRoute.Echo();
        echo.RecordMessages = false;
        server.Map("/soak", echo);
        await using var proxy = TcpFaultProxy.Start(server.Port);
        await using var client = Sut.Create(proxy.Wrap(server.GetUri("/soak")), o =>
        {
            o.Reconnect.Delay = TimeSpan.FromMilliseconds(5);
            o.Heartbeat.Enabled = true;
            o.Heartbeat.Interval = TimeSpan.FromMilliseconds(200);
        });
        var received = 0L;
        client.MessageReceived += (_, _) => { Interlocked.Increment(ref received); return ValueTask.CompletedTask; };
        await client.StartAsync();
        var payload = new byte[256];

        // Warm up (JIT, pools), then measure.
        await RunAsync(TimeSpan.FromSeconds(3));
        var heapBefore = ProcessResources.SettledManagedHeap();
        var handlesBefore = await ProcessResources.SettledOpenHandlesAsync();
        var (sent, cuts) = await RunAsync(duration);
        await WaitForOpenAsync();
        var heapAfter = ProcessResources.SettledManagedHeap();
        var handlesAfter = await ProcessResources.SettledOpenHandlesAsync();

        output.WriteLine($"soak: {duration.TotalSeconds:0} s, {sent} sent ({sent / duration.TotalSeconds:0}/s), {Interlocked.Read(ref received)} echoed, {cuts} cuts; heap {heapBefore / 1024} KiB -> {heapAfter / 1024} KiB, handles {handlesBefore} -> {handlesAfter}");
        (heapAfter - heapBefore).Should().BeLessThan(HeapBound);
        (handlesAfter - handlesBefore).Should().BeLessThan(HandleBound);
        sent.Should().BeGreaterThan(1000);

        async Task<(long Sent, int Cuts)> RunAsync(TimeSpan length)
        {
            var clock = Stopwatch.StartNew();
            long count = 0;
            var cutsDone = 0;
            var nextCut = TimeSpan.FromSeconds(1);
            while (clock.Elapsed < length)
            {
                try
                {
                    await client.SendBinaryAsync(payload).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
                    count++;
                }
                catch (ResilientWebSocketException)
                {
                }

                if (clock.Elapsed > nextCut)
                {
                    proxy.CutAll();
                    cutsDone++;
                    nextCut += TimeSpan.FromSeconds(1);
                }
            }

            return (count, cutsDone);
        }

        async Task WaitForOpenAsync()
        {
            var deadline = DateTime.UtcNow + TestTimeouts.Signal;
            while (client.State != ConnectionState.Open && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }
        }
    }
}
