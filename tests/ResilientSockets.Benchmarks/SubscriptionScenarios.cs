using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;

namespace ResilientSockets.Benchmarks;

/// <summary>
/// Shared subscriptions and requests (issue 15). <c>route-64</c>: 64-byte <c>{type, topic}</c> events spread over 1,000
/// topics, read through 1,000 subscriptions ("resilient-routed") versus one un-routed reader of the same bytes
/// ("resilient"). <c>request-64</c>: RequestAsync round trip ("resilient") versus a raw ClientWebSocket echo of 64 bytes ("raw").
/// </summary>
internal static class SubscriptionScenarios
{
    public const int Topics = 1_000;

    public static async Task<ScenarioResult> RouteAsync(string clientName, int port, bool quick)
    {
        var count = quick ? 5_000 : 500_000;
        using var sampler = new MemorySampler();
        var options = new ResilientWebSocketOptions
        {
            Uri = new Uri($"ws://127.0.0.1:{port}/topics?count={count}"),
            Subscriptions = new SubscriptionOptions { Protocol = new TopicJsonProtocol() },
            Receiving = { ReaderCapacity = 4_096 },
        };
        await using var client = new ResilientWebSocket(options);
        await client.StartAsync();
        var received = 0L;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var readers = new List<Task>();
        WebSocketMessageReader[] subscriptions = [];
        if (clientName == "resilient-routed")
        {
            subscriptions = Enumerable.Range(0, Topics).Select(i => client.Subscribe("t" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture))).ToArray();
            foreach (var subscription in subscriptions)
            {
                readers.Add(Task.Run(() => CountAsync(subscription, count, () => Interlocked.Increment(ref received), done)));
            }
        }
        else
        {
            var reader = client.CreateReader();
            subscriptions = [reader];
            readers.Add(Task.Run(() => CountAsync(reader, count, () => Interlocked.Increment(ref received), done)));
        }

        // A round trip first, so every subscribe has reached the server before the flood starts.
        await client.SendTextAsync("sync");
        var (cpu, allocated) = Counters();
        var clock = Stopwatch.StartNew();
        await client.SendTextAsync("go");
        await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
        clock.Stop();
        var (cpuAfter, allocatedAfter) = Counters();
        foreach (var subscription in subscriptions)
        {
            subscription.Dispose();
        }

        return new ScenarioResult("route-64", clientName, count)
        {
            PerSecond = count / clock.Elapsed.TotalSeconds,
            CpuMicrosPerOp = (cpuAfter - cpu).TotalMicroseconds / count,
            AllocatedBytesPerOp = (double)(allocatedAfter - allocated) / count,
            PeakWorkingSetMb = MemorySampler.PeakWorkingSetMb(),
            PeakManagedMb = sampler.PeakManagedMb,
        };
    }

    public static async Task<ScenarioResult> RequestAsync(string clientName, int port, bool quick)
    {
        var count = quick ? 200 : 10_000;
        var warmUp = quick ? 100 : 3_000;
        using var sampler = new MemorySampler();
        var latencies = new double[count];
        (TimeSpan Cpu, long Allocated) before, after;
        if (clientName == "raw")
        {
            using var socket = new ClientWebSocket();
            await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/echo"), default);
            var payload = new byte[64];
            Array.Fill(payload, (byte)'e');
            var buffer = new byte[1024];
            async Task RoundTripAsync()
            {
                await socket.SendAsync(payload, WebSocketMessageType.Text, true, default);
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(), default);
                }
                while (!result.EndOfMessage);
            }

            for (var i = 0; i < warmUp; i++)
            {
                await RoundTripAsync();
            }

            before = Counters();
            for (var i = 0; i < count; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await RoundTripAsync();
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }

            after = Counters();
        }
        else
        {
            await using var client = new ResilientWebSocket(new ResilientWebSocketOptions
            {
                Uri = new Uri($"ws://127.0.0.1:{port}/respond"),
                Subscriptions = new SubscriptionOptions { Protocol = new TopicJsonProtocol() },
            });
            await client.StartAsync();

            // Request and response are both 64 bytes on the wire, like the raw echo.
            var parameters = Encoding.UTF8.GetBytes("\"" + new string('p', 64 - "{\"type\":\"request\",\"id\":\"r1234\",\"method\":\"m\",\"params\":\"\"}".Length) + "\"");
            for (var i = 0; i < warmUp; i++)
            {
                await client.RequestAsync("m", parameters);
            }

            before = Counters();
            for (var i = 0; i < count; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await client.RequestAsync("m", parameters);
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }

            after = Counters();
        }

        Array.Sort(latencies);
        return new ScenarioResult("request-64", clientName, count)
        {
            P50Micros = latencies[count / 2],
            P99Micros = latencies[(int)(count * 0.99)],
            CpuMicrosPerOp = (after.Cpu - before.Cpu).TotalMicroseconds / count,
            AllocatedBytesPerOp = (double)(after.Allocated - before.Allocated) / count,
            PeakWorkingSetMb = MemorySampler.PeakWorkingSetMb(),
            PeakManagedMb = sampler.PeakManagedMb,
        };
    }

    private static async Task CountAsync(WebSocketMessageReader reader, long total, Func<long> increment, TaskCompletionSource done)
    {
        try
        {
            await foreach (var message in reader.ReadAllAsync())
            {
                if (increment() == total)
                {
                    done.TrySetResult();
                }
            }
        }
        catch (Exception ex)
        {
            done.TrySetException(ex);
        }
    }

    private static (TimeSpan Cpu, long Allocated) Counters()
        => (Process.GetCurrentProcess().TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: true));
}
