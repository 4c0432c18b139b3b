using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using ResilientSockets;
using ResilientSockets.Outbox;
using ResilientSockets.Outbox.Sqlite;

namespace ResilientSockets.Benchmarks;

/// <summary>
/// The durable outbox (issue #14) in a reliable session against the bench server's <c>/session/sink</c>: 64 B durable
/// sends through each store, next to the same sends without an outbox ("resilient-session": in memory, returned when
/// written). The <c>-plain</c> variants run without a session against <c>/sink</c> (records leave the store once
/// written; baseline "resilient"), and are complete when the server counted every message. Send shapes: one sender awaiting each send (<c>x1</c>), eight concurrent senders awaiting each
/// (<c>x8</c>), one sender keeping 256 sends in flight (<c>w256</c>). Each run reports two rates: accepted (until the
/// last send returned: stored, or written without an outbox) and acknowledged (until <c>FlushAsync</c>, when the
/// server acknowledged every message and the store is empty). <c>outbox-recovery-100k</c> writes 100,000 messages
/// into a SQLite file while offline, then times a new client on that file: open and load, and until the server
/// acknowledged them all.
/// </summary>
/// <remarks>
/// The SQLite files go to a fresh directory under the system temp directory (<c>RS_BENCH_OUTBOX_DIR</c> overrides it):
/// FlushPerCommit figures are those of that file system's fsync.
/// </remarks>
internal static class OutboxScenarios
{
    public static readonly string[] Scenarios =
        ["outbox-send-64-x1", "outbox-send-64-x8", "outbox-send-64-w256", "outbox-send-64-x1-plain", "outbox-send-64-x8-plain", "outbox-send-64-w256-plain", "outbox-recovery-100k"];

    private static readonly string[] Stores = ["outbox-memory", "outbox-sqlite-flush", "outbox-sqlite-osbuf"];

    private const int Window = 256;

    /// <summary>The clients of a scenario: the baseline without an outbox first, then one per store.</summary>
    public static string[] ClientsFor(string scenario) => scenario switch
    {
        "outbox-recovery-100k" => ["outbox-sqlite-flush", "outbox-sqlite-osbuf"],
        _ => [Baseline(scenario), .. Stores],
    };

    public static async Task<ScenarioResult> RunAsync(string scenario, string clientName, int port, bool quick)
    {
        var plain = scenario.EndsWith("-plain", StringComparison.Ordinal);
        return scenario.Replace("-plain", "", StringComparison.Ordinal) switch
        {
            "outbox-send-64-x1" => await SendAsync(scenario, clientName, port, senders: 1, window: 1, plain, quick),
            "outbox-send-64-x8" => await SendAsync(scenario, clientName, port, senders: 8, window: 1, plain, quick),
            "outbox-send-64-w256" => await SendAsync(scenario, clientName, port, senders: 1, window: Window, plain, quick),
            "outbox-recovery-100k" => await RecoveryAsync(scenario, clientName, port, quick),
            _ => throw new ArgumentException("unknown scenario " + scenario),
        };
    }

    /// <summary>The table cell and the ratio for the runner's report.</summary>
    public static (string Value, string Ratio) Describe(ScenarioResult r, IReadOnlyList<ScenarioResult> results)
    {
        if (r.Scenario == "outbox-recovery-100k")
        {
            return ($"{r.Operations:N0} pending: loaded in {r.LoadMillis:0} ms, all acknowledged in {r.Millis:0} ms ({r.PerSecond:N0} msg/s); written offline at {r.AcceptedPerSecond:N0} msg/s", "");
        }

        var latency = r.P50Micros > 0 ? $"; send p50 {r.P50Micros:0} µs, p99 {r.P99Micros:0} µs" : "";
        var done = r.Scenario.EndsWith("-plain", StringComparison.Ordinal) ? "delivered" : "acknowledged";
        var value = $"{r.PerSecond:N0} msg/s {done}, {r.AcceptedPerSecond:N0} msg/s accepted{latency}";
        var baseline = results.FirstOrDefault(x => x.Scenario == r.Scenario && x.Client == Baseline(r.Scenario));
        return (value, baseline is null ? "" : $"{r.PerSecond / baseline.PerSecond:0.00}× no outbox (accepted {r.AcceptedPerSecond / baseline.AcceptedPerSecond:0.00}×)");
    }

    private static string Baseline(string scenario) => scenario.EndsWith("-plain", StringComparison.Ordinal) ? "resilient" : "resilient-session";

    /// <summary>
    /// Messages per run. FlushPerCommit pays one fsync per transaction, and a lone awaiting sender gets one transaction
    /// per message, so it gets fewer (the rate, not the count, is compared). Multiples of the session's AckEvery (32),
    /// so the last message completes an acknowledgement batch.
    /// </summary>
    private static int CountFor(string clientName, int senders, int window, bool quick) => (clientName, senders, window) switch
    {
        ("outbox-sqlite-flush", 1, 1) => quick ? 128 : 10_240,
        ("outbox-sqlite-flush", _, 1) => quick ? 256 : 20_480,
        ("outbox-sqlite-osbuf", _, 1) => quick ? 512 : 51_200,
        _ => quick ? 512 : 100_000,
    };

    private static async Task<ScenarioResult> SendAsync(string scenario, string clientName, int port, int senders, int window, bool plain, bool quick)
    {
        var payload = new byte[64];
        Array.Fill(payload, (byte)'o');
        using var directory = new ScratchDirectory();

        // Warm-up on a throw-away client and store of the same kind (tiered JIT; see Scenario.WarmUpAsync): a window of
        // sends, then sends one at a time, the two paths the measured shapes take.
        var warmCount = quick ? 256 : 20_480;
        await using (var warm = await Durable.CreateAsync(clientName, SinkUri(port, plain, warmCount + (quick ? 32 : 1_024)), directory.File("warm.db"), plain))
        {
            await warm.Client.StartAsync();
            await SendWindowAsync(warm.Client, payload, warmCount, Window);
            for (var i = 0; i < (quick ? 32 : 1_024); i++)
            {
                await warm.Client.SendAsync(payload, WebSocketMessageType.Binary);
            }

            await warm.CompleteAsync();
        }

        var count = CountFor(clientName, senders, window, quick);
        await using var durable = await Durable.CreateAsync(clientName, SinkUri(port, plain, count), directory.File("outbox.db"), plain);
        using var sampler = new MemorySampler();
        await durable.Client.StartAsync();
        var latencies = window == 1 ? new double[count] : null;
        var (cpu, allocated) = Scenario.Counters();
        var clock = Stopwatch.StartNew();
        if (window > 1)
        {
            await SendWindowAsync(durable.Client, payload, count, window);
        }
        else
        {
            var share = count / senders;
            await Task.WhenAll(Enumerable.Range(0, senders).Select(s => Task.Run(() => SendTimedAsync(durable.Client, payload, latencies!, s * share, share))));
        }

        var accepted = clock.Elapsed;
        await durable.CompleteAsync();
        clock.Stop();
        var (cpuAfter, allocatedAfter) = Scenario.Counters();
        if (durable.Client.OutboxCount != 0)
        {
            throw new InvalidOperationException($"{durable.Client.OutboxCount} messages still in the outbox after FlushAsync");
        }

        if (latencies is not null)
        {
            Array.Sort(latencies);
        }

        return new ScenarioResult(scenario, clientName, count)
        {
            PerSecond = count / clock.Elapsed.TotalSeconds,
            AcceptedPerSecond = count / accepted.TotalSeconds,
            P50Micros = latencies?[count / 2] ?? 0,
            P99Micros = latencies?[(int)(count * 0.99)] ?? 0,
            CpuMicrosPerOp = (cpuAfter - cpu).TotalMicroseconds / count,
            AllocatedBytesPerOp = (double)(allocatedAfter - allocated) / count,
            PeakWorkingSetMb = MemorySampler.PeakWorkingSetMb(),
            PeakManagedMb = sampler.PeakManagedMb,
        };
    }

    private static Uri SinkUri(int port, bool plain, int count)
        => new(plain ? $"ws://127.0.0.1:{port}/sink?count={count}" : $"ws://127.0.0.1:{port}/session/sink");

    /// <summary>One sender awaiting each of its sends, each timed from the call to its return.</summary>
    private static async Task SendTimedAsync(ResilientWebSocket client, byte[] payload, double[] latencies, int first, int count)
    {
        for (var i = first; i < first + count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await client.SendAsync(payload, WebSocketMessageType.Binary);
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
    }

    /// <summary>One sender keeping <paramref name="window"/> sends in flight: send i waits for send i - window first.</summary>
    private static async Task SendWindowAsync(ResilientWebSocket client, byte[] payload, int count, int window)
    {
        var inFlight = new Task[window];
        for (var i = 0; i < count; i++)
        {
            if (inFlight[i % window] is { } earlier)
            {
                await earlier;
            }

            inFlight[i % window] = client.SendAsync(payload, WebSocketMessageType.Binary).AsTask();
        }

        await Task.WhenAll(inFlight.Where(t => t is not null));
    }

    /// <summary>
    /// A first client, never started (offline), accepts the messages into a SQLite file; then a new store and client on
    /// that file: <see cref="ScenarioResult.LoadMillis"/> from opening the file until the client logged the outbox
    /// loaded, <see cref="ScenarioResult.Millis"/> until the server acknowledged every message.
    /// </summary>
    private static async Task<ScenarioResult> RecoveryAsync(string scenario, string clientName, int port, bool quick)
    {
        var count = quick ? 2_048 : 100_000;
        var uri = new Uri($"ws://127.0.0.1:{port}/session/sink");
        var payload = new byte[64];
        Array.Fill(payload, (byte)'r');
        using var directory = new ScratchDirectory();
        var path = directory.File("outbox.db");
        TimeSpan offline;
        await using (var first = await Durable.CreateAsync(clientName, uri, path))
        {
            var writing = Stopwatch.StartNew();
            await SendWindowAsync(first.Client, payload, count, Window);
            offline = writing.Elapsed;
            if (first.Client.OutboxCount != count)
            {
                throw new InvalidOperationException($"the offline client holds {first.Client.OutboxCount} messages, expected {count}");
            }
        }

        using var sampler = new MemorySampler();
        var loaded = new LoadedSignal();
        var (cpu, allocated) = Scenario.Counters();
        var clock = Stopwatch.StartNew();
        await using var durable = await Durable.CreateAsync(clientName, uri, path, logger: loaded);
        await durable.Client.StartAsync();
        var loadedAt = await loaded.Task.WaitAsync(TimeSpan.FromSeconds(60));
        if (loaded.Pending != count)
        {
            throw new InvalidOperationException($"the new client loaded {loaded.Pending} messages, expected {count}");
        }

        await durable.Client.FlushAsync();
        clock.Stop();
        var (cpuAfter, allocatedAfter) = Scenario.Counters();
        return new ScenarioResult(scenario, clientName, count)
        {
            LoadMillis = loadedAt.TotalMilliseconds,
            Millis = clock.Elapsed.TotalMilliseconds,
            PerSecond = count / clock.Elapsed.TotalSeconds,
            AcceptedPerSecond = count / offline.TotalSeconds,
            CpuMicrosPerOp = (cpuAfter - cpu).TotalMicroseconds / count,
            AllocatedBytesPerOp = (double)(allocatedAfter - allocated) / count,
            PeakWorkingSetMb = MemorySampler.PeakWorkingSetMb(),
            PeakManagedMb = sampler.PeakManagedMb,
        };
    }

    /// <summary>
    /// A client in a session (plain: without one) with a durable outbox, or without one for the baselines
    /// ("resilient-session", "resilient"); disposes the client, then the store.
    /// </summary>
    private sealed class Durable : IAsyncDisposable
    {
        private readonly IOutboxStore? _store;
        private readonly IAsyncEnumerator<WebSocketMessage>? _replies;

        private Durable(ResilientWebSocket client, IOutboxStore? store, IAsyncEnumerator<WebSocketMessage>? replies)
        {
            Client = client;
            _store = store;
            _replies = replies;
        }

        public ResilientWebSocket Client { get; }

        public static async Task<Durable> CreateAsync(string clientName, Uri uri, string path, bool plain = false, ILogger? logger = null)
        {
            IOutboxStore? store = clientName switch
            {
                "resilient-session" or "resilient" => null,
                "outbox-memory" => new InMemoryOutboxStore(),
                "outbox-sqlite-flush" => await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = path, Durability = SqliteOutboxDurability.FlushPerCommit }),
                "outbox-sqlite-osbuf" => await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = path, Durability = SqliteOutboxDurability.OsBuffered }),
                _ => throw new ArgumentException("unknown client " + clientName),
            };

            // Room for a whole recovery run (the default limit is exactly 100,000).
            var client = new ResilientWebSocket(
                new ResilientWebSocketOptions
                {
                    Uri = uri,
                    Session = plain ? null : new ReliableSessionOptions(),
                    Outbox = store is null ? null : new OutboxOptions { Store = store, MaxMessages = 200_000 },
                },
                logger);

            // Without a session the sink answers "done" once it counted every message: delivery, not just the write.
            return new Durable(client, store, plain ? client.CreateReader().ReadAllAsync().GetAsyncEnumerator() : null);
        }

        /// <summary>Waits until every message left the outbox: acknowledged (session), or written and counted by the sink (plain).</summary>
        public async Task CompleteAsync()
        {
            await Client.FlushAsync();
            if (_replies is not null && (!await _replies.MoveNextAsync() || _replies.Current.Text != "done"))
            {
                throw new InvalidOperationException("the sink did not answer done");
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            if (_replies is not null)
            {
                await _replies.DisposeAsync();
            }

            if (_store is not null)
            {
                await _store.DisposeAsync();
            }
        }
    }

    /// <summary>Completes with the elapsed time since its creation when the client logs OutboxLoaded (event 60).</summary>
    private sealed class LoadedSignal : ILogger
    {
        private readonly TaskCompletionSource<TimeSpan> _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly long _start = Stopwatch.GetTimestamp();

        public Task<TimeSpan> Task => _loaded.Task;

        public int Pending { get; private set; }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id != 60)
            {
                return;
            }

            var elapsed = Stopwatch.GetElapsedTime(_start);
            if (state is IReadOnlyList<KeyValuePair<string, object?>> values && values.FirstOrDefault(v => v.Key == "Pending").Value is int pending)
            {
                Pending = pending;
            }

            _loaded.TrySetResult(elapsed);
        }
    }

    /// <summary>A fresh directory for the SQLite files (database, WAL, lock), deleted afterwards.</summary>
    private sealed class ScratchDirectory : IDisposable
    {
        private readonly string _path = Directory.CreateDirectory(Path.Combine(
            Environment.GetEnvironmentVariable("RS_BENCH_OUTBOX_DIR") ?? Path.GetTempPath(),
            "rs-outbox-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8])).FullName;

        public string File(string name) => Path.Combine(_path, name);

        public void Dispose() => Directory.Delete(_path, recursive: true);
    }
}
