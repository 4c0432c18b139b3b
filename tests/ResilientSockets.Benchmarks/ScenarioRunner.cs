using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace ResilientSockets.Benchmarks;

/// <summary>
/// End-to-end scenarios over real loopback sockets. Each (scenario, client) pair runs in a fresh process against one
/// shared server process, so peak memory and CPU belong to that client alone. Results are medians of the runs.
/// </summary>
internal static class ScenarioRunner
{
    internal static readonly string[] Clients = ["raw", "resilient", "websocket-client"];
    internal static readonly string[] Scenarios = ["throughput-64-text", "throughput-64-binary", "throughput-4k-text", "throughput-4k-binary", "receive-64", "echo-64", "transfer-256", "idle-1000", "restart-to-delivery", "black-hole-detection", "idle-1000-h2", "idle-200-deflate", "route-64", "request-64", "session-throughput-64", "session-throughput-4k", "session-echo-64", "session-idle-1000", .. OutboxScenarios.Scenarios];

    /// <param name="quick">Smoke mode: tiny counts, one round.</param>
    /// <param name="output">Where the table, JSON and chart go.</param>
    /// <param name="pin">Pin the server to CPU 1 and every client process to CPU 0 (<c>taskset</c>), so they do not compete for a core.</param>
    /// <param name="only">Run only these scenarios (all when empty).</param>
    public static async Task<int> RunAllAsync(bool quick, string output, bool pin = false, IReadOnlyCollection<string>? only = null)
    {
        var runs = quick ? 1 : 5;
        ChildProcess.Pin = pin;
        await using var server = await ChildProcess.StartServerAsync();
        var results = new List<ScenarioResult>();
        foreach (var scenario in Scenarios.Where(s => only is null || only.Count == 0 || only.Contains(s)))
        {
            var clients = scenario switch
            {
                "transfer-256" => ["raw", "resilient-chunked", "resilient", "websocket-client"],
                "receive-64" or "echo-64" => ["raw", "resilient", "resilient-copy", "websocket-client"],
                "idle-1000-h2" => ["resilient-h1", "resilient-h2"],
                "idle-200-deflate" => ["resilient", "resilient-deflate"],
                "route-64" => ["resilient", "resilient-routed"],
                "request-64" => ["raw", "resilient"],
                "session-throughput-64" or "session-throughput-4k" or "session-idle-1000" => ["resilient", "resilient-session"],
                "session-echo-64" => ["raw", "resilient", "resilient-session"],
                var s when s.StartsWith("outbox-", StringComparison.Ordinal) => OutboxScenarios.ClientsFor(s),
                _ => Clients,
            };

            // Rounds interleave the clients (raw, ours, theirs, raw, ...), so a slow spell on a shared machine hits
            // every client alike instead of skewing one client's median.
            var perClient = clients.ToDictionary(c => c, _ => new List<ScenarioResult>());
            for (var round = 0; round < runs; round++)
            {
                foreach (var client in clients)
                {
                    perClient[client].Add(await ChildProcess.RunScenarioAsync(scenario, client, server.Port, quick));
                }
            }

            results.AddRange(clients.Select(c => Median(perClient[c])));
        }

        var table = Report.Markdown(results, quick);
        Console.WriteLine(table);
        Directory.CreateDirectory(output);
        var name = (quick ? "scenarios-quick" : "scenarios") + (pin ? "-pinned" : string.Empty);
        await File.WriteAllTextAsync(Path.Combine(output, name + ".md"), table);
        await File.WriteAllTextAsync(Path.Combine(output, name + ".json"), JsonSerializer.Serialize(results, Json.Options));
        Chart.Save(results, Path.Combine(output, name + ".png"), Report.Machine(quick));
        Console.WriteLine($"Wrote {name}.md, .json and .png to {Path.GetFullPath(output)}");
        return 0;
    }

    public static async Task<int> RunOneAsync(string scenario, string client, int port, bool quick)
    {
        var result = await Scenario.RunAsync(scenario, client, port, quick);
        Console.WriteLine("RESULT " + JsonSerializer.Serialize(result, Json.Options));
        return 0;
    }

    private static ScenarioResult Median(List<ScenarioResult> runs)
    {
        static double Mid(IEnumerable<double> values)
        {
            var sorted = values.OrderBy(v => v).ToArray();
            return sorted[sorted.Length / 2];
        }

        var first = runs[0];
        return first with
        {
            PerSecond = Mid(runs.Select(r => r.PerSecond)),
            CpuMicrosPerOp = Mid(runs.Select(r => r.CpuMicrosPerOp)),
            P50Micros = Mid(runs.Select(r => r.P50Micros)),
            P99Micros = Mid(runs.Select(r => r.P99Micros)),
            MegabytesPerSecond = Mid(runs.Select(r => r.MegabytesPerSecond)),
            PeakWorkingSetMb = Mid(runs.Select(r => r.PeakWorkingSetMb)),
            PeakManagedMb = Mid(runs.Select(r => r.PeakManagedMb)),
            AllocatedBytesPerOp = Mid(runs.Select(r => r.AllocatedBytesPerOp)),
            Millis = Mid(runs.Select(r => r.Millis)),
            AcceptedPerSecond = Mid(runs.Select(r => r.AcceptedPerSecond)),
            LoadMillis = Mid(runs.Select(r => r.LoadMillis)),
            Lost = (int)Mid(runs.Select(r => (double)r.Lost)),
            ManagedKibPerConnection = Mid(runs.Select(r => r.ManagedKibPerConnection)),
            RssKibPerConnection = Mid(runs.Select(r => r.RssKibPerConnection)),
            ServerManagedKibPerConnection = Mid(runs.Select(r => r.ServerManagedKibPerConnection)),
            PeakManagedOverBaselineMib = Mid(runs.Select(r => r.PeakManagedOverBaselineMib)),
            FileDescriptors = (int)Mid(runs.Select(r => (double)r.FileDescriptors)),
        };
    }
}

internal sealed record ScenarioResult(string Scenario, string Client, long Operations)
{
    public double PerSecond { get; init; }

    public double CpuMicrosPerOp { get; init; }

    public double P50Micros { get; init; }

    public double P99Micros { get; init; }

    public double MegabytesPerSecond { get; init; }

    public double PeakWorkingSetMb { get; init; }

    public double PeakManagedMb { get; init; }

    public double AllocatedBytesPerOp { get; init; }

    /// <summary>Gets the median time of a fault scenario, in milliseconds.</summary>
    public double Millis { get; init; }

    /// <summary>Gets the rate at which sends returned (outbox scenarios: stored, or written without an outbox), per second.</summary>
    public double AcceptedPerSecond { get; init; }

    /// <summary>Gets the time until a restarted client had loaded its outbox (outbox-recovery-100k), in milliseconds.</summary>
    public double LoadMillis { get; init; }

    /// <summary>Gets the number of rounds whose message never arrived.</summary>
    public int Lost { get; init; }

    /// <summary>Gets the managed heap's peak during a large transfer above the heap just before it, in MiB.</summary>
    public double PeakManagedOverBaselineMib { get; init; }

    public double ManagedKibPerConnection { get; init; }

    public double RssKibPerConnection { get; init; }

    /// <summary>Gets the server process's managed heap per connection (session scenarios: per attached session), in KiB.</summary>
    public double ServerManagedKibPerConnection { get; init; }

    /// <summary>Gets the file descriptors the client process gained while its connections were open (idle transport scenarios).</summary>
    public int FileDescriptors { get; init; }
}

internal static class Json
{
    // Fault scenarios report NaN when nothing arrived.
    public static readonly JsonSerializerOptions Options = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
}

internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Gets or sets a value indicating whether the server runs on CPU 1 and clients on CPU 0.</summary>
    public static bool Pin { get; set; }

    public static async Task<ChildProcess> StartServerAsync(int port = 0, string mode = "server")
    {
        var process = Start(Pin ? "1" : null, mode, port.ToString(CultureInfo.InvariantCulture));
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (line is null || !line.StartsWith("LISTENING ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The benchmark server did not start: " + line);
        }

        return new ChildProcess(process, int.Parse(line["LISTENING ".Length..], CultureInfo.InvariantCulture));
    }

    public static async Task<ScenarioResult> RunScenarioAsync(string scenario, string client, int port, bool quick)
    {
        using var process = Start(Pin ? "0" : null, "one", scenario, client, port.ToString(CultureInfo.InvariantCulture), quick ? "--quick" : "");
        var output = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync();
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"{scenario}/{client} produced no result: {output} {await process.StandardError.ReadToEndAsync()}");
        var result = JsonSerializer.Deserialize<ScenarioResult>(line["RESULT ".Length..], Json.Options)!;
        Console.Error.WriteLine($"  {scenario,-22} {client,-18} done");
        return result;
    }

    /// <summary>Ends the process at once, as a crash would: its connections are reset, not closed.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process.HasExited)
        {
            _process.Dispose();
            return;
        }

        _process.StandardInput.Close();
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }

    private static Process Start(string? cpu, params string[] args)
    {
        var self = typeof(ChildProcess).Assembly.Location;
        var host = Environment.ProcessPath!;
        string[] command = Path.GetFileNameWithoutExtension(host) == "dotnet" ? [host, self, .. args] : [host, .. args];
        var info = cpu is null ? new ProcessStartInfo(command[0], command[1..]) : new ProcessStartInfo("taskset", ["-c", cpu, .. command]);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = true;
        info.UseShellExecute = false;
        return Process.Start(info)!;
    }
}

internal static class Report
{
    public static string Machine(bool quick)
        => $"{Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}{(quick ? " (quick smoke mode: figures are not meaningful)" : string.Empty)}";

    public static string Markdown(IReadOnlyList<ScenarioResult> results, bool quick)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Machine(quick)}");
        text.AppendLine();
        text.AppendLine("| Scenario | Client | Result | vs raw | Client CPU µs/op | Alloc B/op | Peak WS MB | Peak managed MB |");
        text.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            var raw = results.FirstOrDefault(x => x.Scenario == r.Scenario && x.Client == "raw");
            var plain = results.FirstOrDefault(x => x.Scenario == r.Scenario && x.Client == "resilient");
            var (value, ratio) = r.Scenario switch
            {
                "session-throughput-64" or "session-throughput-4k" => ($"{r.PerSecond:N0} msg/s", plain is null ? "" : $"{r.PerSecond / plain.PerSecond:0.00}× plain"),
                "session-echo-64" => ($"p50 {r.P50Micros:0} µs, p99 {r.P99Micros:0} µs", plain is null || raw is null ? "" : $"p50 {r.P50Micros / plain.P50Micros:0.00}× plain, {r.P50Micros / raw.P50Micros:0.00}× raw"),
                "session-idle-1000" => ($"client {r.ManagedKibPerConnection:0.0} KiB managed, {r.RssKibPerConnection:0.0} KiB RSS; server {r.ServerManagedKibPerConnection:0.0} KiB managed per connection", plain is null ? "" : $"client {r.ManagedKibPerConnection - plain.ManagedKibPerConnection:+0.0;-0.0} KiB, server {r.ServerManagedKibPerConnection - plain.ServerManagedKibPerConnection:+0.0;-0.0} KiB vs plain"),
                var s when s.StartsWith("throughput", StringComparison.Ordinal) || s == "receive-64" => ($"{r.PerSecond:N0} msg/s", raw is null ? "" : $"{r.PerSecond / raw.PerSecond:0.00}×"),
                var s when s.StartsWith("outbox-", StringComparison.Ordinal) => OutboxScenarios.Describe(r, results),
                "route-64" => ($"{r.PerSecond:N0} msg/s", results.FirstOrDefault(x => x.Scenario == r.Scenario && x.Client == "resilient") is { } unrouted ? $"{r.PerSecond / unrouted.PerSecond:0.00}× un-routed" : ""),
                var s when s.StartsWith("echo", StringComparison.Ordinal) || s == "request-64" => ($"p50 {r.P50Micros:0} µs, p99 {r.P99Micros:0} µs", raw is null ? "" : $"p50 {r.P50Micros / raw.P50Micros:0.00}×"),
                "idle-1000" => ($"{r.ManagedKibPerConnection:0.0} KiB managed, {r.RssKibPerConnection:0.0} KiB RSS per connection", raw is null ? "" : $"{r.ManagedKibPerConnection - raw.ManagedKibPerConnection:+0.0;-0.0} KiB"),
                "idle-1000-h2" or "idle-200-deflate" => ($"{r.Operations} connected in {r.Millis:0} ms; {r.ManagedKibPerConnection:0.0} KiB managed, {r.RssKibPerConnection:0.0} KiB RSS per connection; {r.FileDescriptors} fds", ""),
                "restart-to-delivery" or "black-hole-detection" => (r.Lost > 0 ? $"{r.Lost} of {r.Operations} messages lost" + (double.IsNaN(r.Millis) ? "" : $", {r.Millis:0} ms") : $"{r.Millis:0} ms", raw is null || double.IsNaN(r.Millis) ? "" : $"{r.Millis / raw.Millis:0.00}×"),
                _ => ($"{r.MegabytesPerSecond:0} MB/s, heap peak +{r.PeakManagedOverBaselineMib:0.0} MiB", raw is null ? "" : $"{r.MegabytesPerSecond / raw.MegabytesPerSecond:0.00}×"),
            };
            text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Scenario} | {r.Client} | {value} | {ratio} | {r.CpuMicrosPerOp:0.0} | {r.AllocatedBytesPerOp:0} | {r.PeakWorkingSetMb:0} | {r.PeakManagedMb:0} |");
        }

        return text.ToString();
    }
}
