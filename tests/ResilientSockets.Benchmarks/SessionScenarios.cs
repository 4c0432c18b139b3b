using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ResilientSockets;

namespace ResilientSockets.Benchmarks;

/// <summary>
/// Reliable sessions against plain ResilientSockets on the same run: acknowledged throughput (send N, then
/// <c>FlushAsync</c> until the server acknowledged all) versus plain sends timed to the server's "done"; echo latency;
/// memory per idle session on the client and in the server process (read through the bench server's <c>/memory</c>).
/// </summary>
internal static class SessionScenarios
{
    /// <summary>The server side: session endpoints served by ResilientSockets.Server, and the server's settled managed heap.</summary>
    public static void MapServer(WebApplication app)
    {
        // Reads and drops: the acknowledgements the server sends back are the only replies (also the idle endpoint).
        app.MapResilientSessions("/session/sink", async (session, ct) =>
        {
            await foreach (var _ in session.ReadAllAsync(ct))
            {
            }
        });
        app.MapResilientSessions("/session/echo", async (session, ct) =>
        {
            await foreach (var message in session.ReadAllAsync(ct))
            {
                await session.SendAsync(message, ct);
            }
        });
        app.MapGet("/memory", () =>
        {
            for (var i = 0; i < 2; i++)
            {
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
            }

            return GC.GetTotalMemory(forceFullCollection: true).ToString(CultureInfo.InvariantCulture);
        });
    }

    public static async Task<ScenarioResult> RunAsync(string scenario, string clientName, int port, bool quick) => scenario switch
    {
        // Counts are multiples of the default AckEvery (32), so the last message completes a batch and is acknowledged at once.
        "session-throughput-64" => await ThroughputAsync(scenario, clientName, port, 64, quick ? 2_048 : 200_000, quick),
        "session-throughput-4k" => await ThroughputAsync(scenario, clientName, port, 4096, quick ? 1_024 : 100_000, quick),
        "session-echo-64" => await EchoAsync(scenario, clientName, port, quick ? 200 : 10_000, quick),
        "session-idle-1000" => await IdleAsync(scenario, clientName, port, quick),
        _ => throw new ArgumentException("unknown scenario " + scenario),
    };

    private static Uri SinkUri(string clientName, int port, int count) => clientName == "resilient-session"
        ? new Uri($"ws://127.0.0.1:{port}/session/sink")
        : new Uri($"ws://127.0.0.1:{port}/sink?count={count}");

    /// <summary>Plain: every send written and the server's "done" after the last. Session: every send acknowledged.</summary>
    private static async Task CompleteAsync(ResilientClient client, string clientName)
    {
        if (clientName == "resilient-session")
        {
            await client.FlushAsync();
            return;
        }

        var done = await client.ReceiveAsync();
        if (done != "done")
        {
            throw new InvalidOperationException("unexpected reply " + done);
        }
    }

    private static async Task<ScenarioResult> ThroughputAsync(string scenario, string clientName, int port, int size, int count, bool quick)
    {
        var payload = new byte[size];
        Array.Fill(payload, (byte)'s');

        // Warm-up on a throw-away connection of the same kind, long enough for tiered JIT (see Scenario.WarmUpAsync).
        var warm = quick ? 512 : 100_000;
        await using (var warmUp = (ResilientClient)IBenchClient.Create(clientName))
        {
            await warmUp.ConnectAsync(SinkUri(clientName, port, warm));
            for (var i = 0; i < warm; i++)
            {
                await warmUp.SendAsync(payload, WebSocketMessageType.Binary);
            }

            await CompleteAsync(warmUp, clientName);
        }

        await using var client = (ResilientClient)IBenchClient.Create(clientName);
        using var sampler = new MemorySampler();
        await client.ConnectAsync(SinkUri(clientName, port, count));
        var (cpu, allocated) = Scenario.Counters();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            await client.SendAsync(payload, WebSocketMessageType.Binary);
        }

        await CompleteAsync(client, clientName);
        clock.Stop();
        var (cpuAfter, allocatedAfter) = Scenario.Counters();
        return new ScenarioResult(scenario, clientName, count)
        {
            PerSecond = count / clock.Elapsed.TotalSeconds,
            CpuMicrosPerOp = (cpuAfter - cpu).TotalMicroseconds / count,
            AllocatedBytesPerOp = (double)(allocatedAfter - allocated) / count,
            PeakWorkingSetMb = MemorySampler.PeakWorkingSetMb(),
            PeakManagedMb = sampler.PeakManagedMb,
        };
    }

    private static async Task<ScenarioResult> EchoAsync(string scenario, string clientName, int port, int count, bool quick)
    {
        var uri = new Uri(clientName == "resilient-session" ? $"ws://127.0.0.1:{port}/session/echo" : $"ws://127.0.0.1:{port}/echo");
        await using var client = IBenchClient.Create(clientName);
        using var sampler = new MemorySampler();
        await client.ConnectAsync(uri);
        var payload = new byte[64];
        Array.Fill(payload, (byte)'e');

        // The same warm-up for every client, on the measured connection: round trips until tiered JIT is done.
        for (var i = 0; i < (quick ? 100 : 20_000); i++)
        {
            await client.SendAsync(payload, WebSocketMessageType.Text);
            await client.ReceiveLengthAsync();
        }

        var latencies = new double[count];
        var (cpu, allocated) = Scenario.Counters();
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await client.SendAsync(payload, WebSocketMessageType.Text);
            await client.ReceiveLengthAsync();
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        var (cpuAfter, allocatedAfter) = Scenario.Counters();
        Array.Sort(latencies);
        return new ScenarioResult(scenario, clientName, count)
        {
            P50Micros = latencies[count / 2],
            P99Micros = latencies[(int)(count * 0.99)],
            CpuMicrosPerOp = (cpuAfter - cpu).TotalMicroseconds / count,
            AllocatedBytesPerOp = (double)(allocatedAfter - allocated) / count,
            PeakWorkingSetMb = MemorySampler.PeakWorkingSetMb(),
            PeakManagedMb = sampler.PeakManagedMb,
        };
    }

    /// <summary>
    /// 1,000 idle connections with the heartbeat on, plain (<c>/idle</c>) or in sessions (<c>/session/sink</c>): the client's
    /// managed heap and resident set per connection (as in idle-1000), and the server process's managed heap per
    /// connection, each after a forced full GC before and after they attach.
    /// </summary>
    private static async Task<ScenarioResult> IdleAsync(string scenario, string clientName, int port, bool quick)
    {
        var count = quick ? 50 : 1_000;
        var session = clientName == "resilient-session";
        var uri = new Uri(session ? $"ws://127.0.0.1:{port}/session/sink" : $"ws://127.0.0.1:{port}/idle");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var serverBefore = await ServerManagedBytesAsync(http);
        var (managedBefore, rssBefore) = await IdleScenario.SettledMemoryAsync();
        var clients = new List<ResilientWebSocket>(count);
        using var gate = new SemaphoreSlim(32);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                var client = new ResilientWebSocket(new ResilientWebSocketOptions
                {
                    Uri = uri,
                    Heartbeat = { Enabled = true },
                    Session = session ? new ReliableSessionOptions() : null,
                });
                await client.StartAsync();
                lock (clients)
                {
                    clients.Add(client);
                }
            }
            finally
            {
                gate.Release();
            }
        }));

        var (managedAfter, rssAfter) = await IdleScenario.SettledMemoryAsync();
        var serverAfter = await ServerManagedBytesAsync(http);
        var result = new ScenarioResult(scenario, clientName, count)
        {
            ManagedKibPerConnection = (managedAfter - managedBefore) / 1024.0 / count,
            RssKibPerConnection = (rssAfter - rssBefore) / 1024.0 / count,
            ServerManagedKibPerConnection = (serverAfter - serverBefore) / 1024.0 / count,
            PeakWorkingSetMb = MemorySampler.PeakWorkingSetMb(),
        };
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {scenario} {clientName}: client {result.ManagedKibPerConnection:F1} KiB managed, server {result.ServerManagedKibPerConnection:F1} KiB managed per connection"));

        // A normal close ends each session on the server too, so the next round starts from an empty store.
        await Task.WhenAll(clients.Select(async c =>
        {
            await c.StopAsync();
            await c.DisposeAsync();
        }));
        return result;
    }

    private static async Task<long> ServerManagedBytesAsync(HttpClient http)
        => long.Parse(await http.GetStringAsync("/memory"), CultureInfo.InvariantCulture);
}
