using System.Globalization;
using System.Net.WebSockets;
using ResilientSockets;
using Websocket.Client;

namespace ResilientSockets.Benchmarks;

/// <summary>
/// Memory held per open, idle connection with liveness checks on: the managed heap after a full blocking GC and the
/// resident set, before and after opening the connections, divided by their number.
/// </summary>
internal static class IdleScenario
{
    public static async Task<ScenarioResult> RunAsync(string name, int port, bool quick)
    {
        var count = quick ? 50 : 1_000;
        var uri = new Uri($"ws://127.0.0.1:{port}/idle");
        var (managedBefore, rssBefore) = await SettledMemoryAsync();
        var held = new List<IAsyncDisposable>(count);
        using var gate = new SemaphoreSlim(32);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                var connection = await OpenAsync(name, uri);
                lock (held)
                {
                    held.Add(connection);
                }
            }
            finally
            {
                gate.Release();
            }
        }));

        var (managedAfter, rssAfter) = await SettledMemoryAsync();
        var result = new ScenarioResult("idle-1000", name, count)
        {
            ManagedKibPerConnection = (managedAfter - managedBefore) / 1024.0 / count,
            RssKibPerConnection = (rssAfter - rssBefore) / 1024.0 / count,
            PeakWorkingSetMb = MemorySampler.PeakWorkingSetMb(),
        };

        foreach (var connection in held)
        {
            await connection.DisposeAsync();
        }

        return result;
    }

    private static async Task<IAsyncDisposable> OpenAsync(string name, Uri uri)
    {
        switch (name)
        {
            case "raw":
                // The raw floor: a socket with the same keep-alive as ResilientSockets' defaults and the receive loop every
                // user needs, with the 4 KiB buffer most samples use.
                var socket = new ClientWebSocket();
                socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
                socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(10);
                await socket.ConnectAsync(uri, default);
                return new RawIdle(socket);
            case "resilient":
                var client = new ResilientWebSocket(new ResilientWebSocketOptions { Uri = uri, Heartbeat = { Enabled = true } });
                await client.StartAsync();
                return client;
            case "websocket-client":
                var wsc = new WebsocketClient(uri);
                await wsc.Start();
                return new WebsocketClientIdle(wsc);
            default:
                throw new ArgumentException("unknown client " + name);
        }
    }

    internal static async Task<(long Managed, long Rss)> SettledMemoryAsync()
    {
        await Task.Delay(1000);
        for (var i = 0; i < 2; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return (GC.GetTotalMemory(forceFullCollection: true), ResidentBytes());
    }

    private static long ResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return Environment.WorkingSet;
    }

    private sealed class RawIdle : IAsyncDisposable
    {
        private readonly ClientWebSocket _socket;
        private readonly Task _loop;

        public RawIdle(ClientWebSocket socket)
        {
            _socket = socket;
            _loop = ReceiveAsync();
        }

        public async ValueTask DisposeAsync()
        {
            _socket.Abort();
            await _loop;
            _socket.Dispose();
        }

        private async Task ReceiveAsync()
        {
            var buffer = new byte[4096];
            try
            {
                while ((await _socket.ReceiveAsync(buffer.AsMemory(), default)).MessageType != WebSocketMessageType.Close)
                {
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private sealed class WebsocketClientIdle(WebsocketClient client) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            client.Dispose();
            return default;
        }
    }
}
