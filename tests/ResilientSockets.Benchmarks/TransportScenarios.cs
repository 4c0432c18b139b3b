using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using ResilientSockets.Testing;

namespace ResilientSockets.Benchmarks;

/// <summary>
/// What a transport choice costs an idle client: 1,000 WebSockets over one shared HTTP/2 connection vs 1,000 HTTP/1.1
/// connections (both over TLS to the same Kestrel), and 200 connections with permessage-deflate vs without. The server
/// runs in its own process (<c>server-tls</c>), so the memory and file descriptors measured are the client's alone.
/// </summary>
internal static class TransportScenarios
{
    /// <summary>The TLS server: HTTP/1.1 and HTTP/2 by ALPN, enough streams per connection for every client, compression accepted.</summary>
    public static async Task<int> ServeAsync()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync(new LoopbackServerOptions
        {
            UseTls = true,
            Protocols = HttpProtocols.Http1AndHttp2,
            MaxStreamsPerConnection = 10_000,
            EnableCompression = true,
        });
        Console.WriteLine($"LISTENING {server.Port}");
        await Task.Run(() => Console.In.ReadToEnd());
        return 0;
    }

    public static async Task<ScenarioResult> RunAsync(string scenario, string clientName, bool quick)
    {
        var count = scenario == "idle-1000-h2" ? (quick ? 100 : 1_000) : (quick ? 50 : 200);
        await using var server = await ChildProcess.StartServerAsync(0, "server-tls");
        var uri = new Uri($"wss://127.0.0.1:{server.Port}/echo");
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            // Benchmark only: the child server's certificate is self-signed and made on the fly.
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        });

        var (managedBefore, rssBefore) = await IdleScenario.SettledMemoryAsync();
        var fdsBefore = OpenFileDescriptors();
        var clients = new List<ResilientWebSocket>(count);
        var clock = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(32);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                var client = Create(clientName, uri, invoker);
                await client.StartAsync();
                if (scenario == "idle-200-deflate")
                {
                    // One message each way, so both deflate contexts exist, as they do on any connection that was used.
                    using var reader = client.CreateReader();
                    await client.SendTextAsync("{\"type\":\"hello\",\"payload\":\"warm the compressor up\"}");
                    await reader.WaitToReadAsync();
                }

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
        var connectMillis = clock.Elapsed.TotalMilliseconds;

        var (managedAfter, rssAfter) = await IdleScenario.SettledMemoryAsync();
        var fds = OpenFileDescriptors() - fdsBefore;
        var result = new ScenarioResult(scenario, clientName, count)
        {
            Millis = connectMillis,
            ManagedKibPerConnection = (managedAfter - managedBefore) / 1024.0 / count,
            RssKibPerConnection = (rssAfter - rssBefore) / 1024.0 / count,
            FileDescriptors = fds,
            PeakWorkingSetMb = MemorySampler.PeakWorkingSetMb(),
        };
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {scenario} {clientName}: {count} connections in {connectMillis:F0} ms, {result.ManagedKibPerConnection:F1} KiB managed and {result.RssKibPerConnection:F1} KiB RSS per connection, {fds} file descriptors"));

        await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        return result;
    }

    private static ResilientWebSocket Create(string clientName, Uri uri, HttpMessageInvoker invoker)
    {
        var options = new ResilientWebSocketOptions { Uri = uri, Heartbeat = { Enabled = false }, Lifecycle = { Connectivity = null } };
        options.OnConnecting = clientName is "resilient-h2" ? null : (ctx, _) =>
        {
            ctx.Options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
            return ValueTask.CompletedTask;
        };
        switch (clientName)
        {
            case "resilient-h2":
                options.Transport.HttpInvoker = invoker;
                break;
            case "resilient-deflate":
                options.Transport.Compression = new PerMessageDeflateOptions();
                break;
            case "resilient" or "resilient-h1":
                break;
            default:
                throw new ArgumentException("unknown client " + clientName);
        }

        return new ResilientWebSocket(options);
    }

    private static int OpenFileDescriptors() => Directory.GetFiles("/proc/self/fd").Length;
}
