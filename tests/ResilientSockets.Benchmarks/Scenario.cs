using System.Diagnostics;
using System.Net.WebSockets;

namespace ResilientSockets.Benchmarks;

internal static class Scenario
{
    public static async Task<ScenarioResult> RunAsync(string scenario, string clientName, int port, bool quick)
    {
        switch (scenario)
        {
            case "idle-1000":
                return await IdleScenario.RunAsync(clientName, port, quick);
            case "restart-to-delivery":
                return await FaultScenarios.RestartAsync(clientName, quick);
            case "idle-1000-h2" or "idle-200-deflate":
                return await TransportScenarios.RunAsync(scenario, clientName, quick);
            case "black-hole-detection":
                return await FaultScenarios.BlackHoleAsync(clientName, port, quick);
            case "route-64":
                return await SubscriptionScenarios.RouteAsync(clientName, port, quick);
            case "request-64":
                return await SubscriptionScenarios.RequestAsync(clientName, port, quick);
            case "session-throughput-64" or "session-throughput-4k" or "session-echo-64" or "session-idle-1000":
                return await SessionScenarios.RunAsync(scenario, clientName, port, quick);
            case var s when s.StartsWith("outbox-", StringComparison.Ordinal):
                return await OutboxScenarios.RunAsync(scenario, clientName, port, quick);
        }

        if (scenario.StartsWith("throughput", StringComparison.Ordinal) || scenario is "echo-64" or "receive-64")
        {
            await WarmUpAsync(clientName, port, quick);
        }

        await using var client = IBenchClient.Create(clientName);
        using var sampler = new MemorySampler();
        return scenario switch
        {
            "throughput-64-text" => await ThroughputAsync(client, clientName, port, 64, WebSocketMessageType.Text, quick ? 2_000 : 200_000, sampler, scenario),
            "throughput-4k-binary" => await ThroughputAsync(client, clientName, port, 4096, WebSocketMessageType.Binary, quick ? 1_000 : 100_000, sampler, scenario),
            "throughput-64-binary" => await ThroughputAsync(client, clientName, port, 64, WebSocketMessageType.Binary, quick ? 2_000 : 200_000, sampler, scenario),
            "throughput-4k-text" => await ThroughputAsync(client, clientName, port, 4096, WebSocketMessageType.Text, quick ? 1_000 : 100_000, sampler, scenario),
            "receive-64" => await ReceiveAsync(client, clientName, port, quick ? 2_000 : 200_000, sampler),
            "echo-64" => await EchoAsync(client, clientName, port, quick ? 200 : 10_000, sampler),
            "transfer-256" => await LargeAsync(client, clientName, port, quick ? 16L << 20 : 256L << 20, sampler),
            _ => throw new ArgumentException("unknown scenario " + scenario),
        };
    }

    /// <summary>
    /// Runs the send and receive paths on throw-away connections first, long enough for tiered JIT to have compiled
    /// them fully (a profile of an unwarmed run showed most of the receive path still at tier 0).
    /// </summary>
    private static async Task WarmUpAsync(string clientName, int port, bool quick)
    {
        var count = quick ? 500 : 100_000;
        await using (var receiver = IBenchClient.Create(clientName))
        {
            var received = quick ? 500 : 300_000;
            await receiver.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/flood?count={received}&size=64"));
            await receiver.SendAsync("go"u8.ToArray(), WebSocketMessageType.Text);
            for (var i = 0; i < received; i++)
            {
                await receiver.ReceiveLengthAsync();
            }
        }

        await using var client = IBenchClient.Create(clientName);
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/sink?count={count}"));
        var payload = new byte[64];
        Array.Fill(payload, (byte)'w');
        for (var i = 0; i < count; i++)
        {
            await client.SendAsync(payload, i % 2 == 0 ? WebSocketMessageType.Text : WebSocketMessageType.Binary);
        }

        await client.ReceiveAsync();
    }

    private static async Task<ScenarioResult> ThroughputAsync(IBenchClient client, string name, int port, int size, WebSocketMessageType type, int count, MemorySampler sampler, string scenario)
    {
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/sink?count={count}"));
        var payload = new byte[size];
        Array.Fill(payload, (byte)'x');
        var (cpu, allocated) = Counters();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            await client.SendAsync(payload, type);
        }

        var done = await client.ReceiveAsync();
        clock.Stop();
        if (done != "done")
        {
            throw new InvalidOperationException("unexpected reply " + done);
        }

        var (cpuAfter, allocatedAfter) = Counters();
        return new ScenarioResult(scenario, name, count)
        {
            PerSecond = count / clock.Elapsed.TotalSeconds,
            CpuMicrosPerOp = (cpuAfter - cpu).TotalMicroseconds / count,
            AllocatedBytesPerOp = (double)(allocatedAfter - allocated) / count,
            PeakWorkingSetMb = MemorySampler.PeakWorkingSetMb(),
            PeakManagedMb = sampler.PeakManagedMb,
        };
    }

    /// <summary>One-way from the server: how fast a client takes messages in, and what receiving one allocates.</summary>
    private static async Task<ScenarioResult> ReceiveAsync(IBenchClient client, string name, int port, int count, MemorySampler sampler)
    {
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/flood?count={count}&size=64"));
        var (cpu, _) = Counters();
        var clock = Stopwatch.StartNew();
        await client.SendAsync("go"u8.ToArray(), WebSocketMessageType.Text);
        long bytes = 0;

        // Allocation is counted over the last three quarters: the first quarter grows each client's buffers to the
        // flood's depth once (a reader's queue, pooled slabs), which is set-up, not a cost per message.
        var steadyFrom = count / 4;
        long allocated = 0;
        for (var i = 0; i < count; i++)
        {
            if (i == steadyFrom)
            {
                allocated = Counters().Allocated;
            }

            bytes += await client.ReceiveLengthAsync();
        }

        clock.Stop();
        var (cpuAfter, allocatedAfter) = Counters();
        if (bytes != 64L * count)
        {
            throw new InvalidOperationException($"received {bytes} bytes, expected {64L * count}");
        }

        return new ScenarioResult("receive-64", name, count)
        {
            PerSecond = count / clock.Elapsed.TotalSeconds,
            CpuMicrosPerOp = (cpuAfter - cpu).TotalMicroseconds / count,
            AllocatedBytesPerOp = (double)(allocatedAfter - allocated) / (count - steadyFrom),
            PeakWorkingSetMb = MemorySampler.PeakWorkingSetMb(),
            PeakManagedMb = sampler.PeakManagedMb,
        };
    }

    private static async Task<ScenarioResult> EchoAsync(IBenchClient client, string name, int port, int count, MemorySampler sampler)
    {
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/echo"));
        var payload = new byte[64];
        Array.Fill(payload, (byte)'e');
        var latencies = new double[count];
        for (var i = 0; i < (count < 1_000 ? 100 : 3_000); i++)
        {
            await client.SendAsync(payload, WebSocketMessageType.Text);
            await client.ReceiveAsync();
        }

        var (cpu, allocated) = Counters();
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await client.SendAsync(payload, WebSocketMessageType.Text);
            await client.ReceiveAsync();
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        var (cpuAfter, allocatedAfter) = Counters();
        Array.Sort(latencies);
        return new ScenarioResult("echo-64", name, count)
        {
            P50Micros = latencies[count / 2],
            P99Micros = latencies[(int)(count * 0.99)],
            CpuMicrosPerOp = (cpuAfter - cpu).TotalMicroseconds / count,
            AllocatedBytesPerOp = (double)(allocatedAfter - allocated) / count,
            PeakWorkingSetMb = MemorySampler.PeakWorkingSetMb(),
            PeakManagedMb = sampler.PeakManagedMb,
        };
    }

    private static async Task<ScenarioResult> LargeAsync(IBenchClient client, string name, int port, long length, MemorySampler sampler)
    {
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/transfer"));
        var baseline = sampler.Rebase();
        var (cpu, allocated) = Counters();
        var clock = Stopwatch.StartNew();
        await client.SendLargeAsync(length);
        clock.Stop();
        var (cpuAfter, allocatedAfter) = Counters();
        return new ScenarioResult("transfer-256", name, 1)
        {
            MegabytesPerSecond = length / (1024.0 * 1024) / clock.Elapsed.TotalSeconds,
            CpuMicrosPerOp = (cpuAfter - cpu).TotalMicroseconds,
            PeakWorkingSetMb = MemorySampler.PeakWorkingSetMb(),
            PeakManagedMb = sampler.PeakManagedMb,
            PeakManagedOverBaselineMib = sampler.PeakManagedMb - baseline,
            AllocatedBytesPerOp = allocatedAfter - allocated,
        };
    }

    internal static (TimeSpan Cpu, long Allocated) Counters()
        => (Process.GetCurrentProcess().TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: true));
}

/// <summary>Samples the managed heap every few milliseconds; the peak working set comes from the kernel (VmHWM).</summary>
internal sealed class MemorySampler : IDisposable
{
    private readonly Timer _timer;
    private long _peak;

    public MemorySampler()
    {
        _peak = GC.GetTotalMemory(false);
        _timer = new Timer(_ => Sample(), null, 0, 5);
    }

    public double PeakManagedMb
    {
        get
        {
            Sample();
            return Interlocked.Read(ref _peak) / (1024.0 * 1024);
        }
    }

    public static double PeakWorkingSetMb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        return Environment.WorkingSet / (1024.0 * 1024);
    }

    /// <summary>Collects, then restarts the peak from the live heap; returns that baseline in MiB.</summary>
    public double Rebase()
    {
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        Interlocked.Exchange(ref _peak, baseline);
        return baseline / (1024.0 * 1024);
    }

    public void Dispose() => _timer.Dispose();

    private void Sample()
    {
        var now = GC.GetTotalMemory(false);
        long seen;
        while (now > (seen = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, seen) != seen)
        {
        }
    }
}
