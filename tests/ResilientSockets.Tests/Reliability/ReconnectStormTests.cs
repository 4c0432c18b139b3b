using System.Diagnostics;
using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ResilientSockets.Tests.Reliability;

[Collection(ProcessWideCollection.Name)]
public sealed class ReconnectStormTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_hundred_clients_return_spread_by_jitter_after_a_two_second_outage()
    {
        const int Clients = 200;
        const double MaxBucketShare = 0.25;
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var clients = Enumerable.Range(0, Clients).Select(i => new ResilientWebSocket(new ResilientWebSocketOptions
        {
            Uri = server.GetUri("/echo"),
            Name = $"storm-{i}",
            Reconnect = { Delay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(4), MinUptime = TimeSpan.Zero },
        })).ToList();
        try
        {
            await Task.WhenAll(clients.Select(c => c.StartAsync()));
            var clock = new Stopwatch();
            var returned = new double[Clients];
            var back = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var count = 0;
            for (var i = 0; i < Clients; i++)
            {
                var index = i;
                clients[i].StateChanged += (_, e) =>
                {
                    if (e.State == ConnectionState.Open && clock.IsRunning && Volatile.Read(ref returned[index]) == 0)
                    {
                        returned[index] = clock.Elapsed.TotalMilliseconds;
                        if (Interlocked.Increment(ref count) == Clients)
                        {
                            back.TrySetResult();
                        }
                    }
                };
            }

            await server.StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(2)); // the outage itself, not a wait for a result
            await server.RestartAsync();
            clock.Start();
            await back.Task.WaitAsync(TimeSpan.FromSeconds(30));

            var buckets = returned.GroupBy(ms => (int)(ms / 100)).OrderBy(g => g.Key).Select(g => (Start: g.Key * 100, Count: g.Count())).ToList();
            output.WriteLine("reconnect storm: clients back per 100 ms after the server returned");
            foreach (var (start, n) in buckets)
            {
                output.WriteLine($"  {start,5}-{start + 99,5} ms  {n,3}  {new string('#', n)}");
            }

            buckets.Max(b => b.Count).Should().BeLessThanOrEqualTo((int)(Clients * MaxBucketShare), "jitter spreads the herd");
            server.Connections.Count.Should().BeGreaterThanOrEqualTo(2 * Clients);
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }
    }
}
