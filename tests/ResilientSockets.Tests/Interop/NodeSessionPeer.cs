using System.Diagnostics;
using System.Net.Http;
using System.Text.Json;

namespace ResilientSockets.Tests.Interop;

/// <summary>
/// The independent Node implementation of the session protocol (tests/interop/node/session-server.js, written from the
/// README's tables only), with its HTTP stats and admin endpoints.
/// </summary>
public sealed class NodeSessionPeer : IAsyncDisposable
{
    private static readonly HttpClient Http = new();
    private readonly Process _process;

    private NodeSessionPeer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public Uri GetUri(string pathAndQuery) => new($"ws://127.0.0.1:{Port}{pathAndQuery}");

    public static async Task<NodeSessionPeer> StartAsync(int port = 0, params string[] options)
    {
        var directory = Path.Combine(RepositoryRoot(), "tests", "interop", "node");
        if (!Directory.Exists(Path.Combine(directory, "node_modules", "ws")))
        {
            throw new InvalidOperationException($"The Node interop peer is not installed: run `bash tests/interop/provision.sh` (or `npm ci` in {directory}). `dotnet test` does this before the tests run.");
        }

        var start = new ProcessStartInfo("node", ["session-server.js", port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. options])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            if (line is null || !line.StartsWith("LISTENING ", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The Node session peer did not start: {line} {await process.StandardError.ReadToEndAsync()}");
            }

            return new NodeSessionPeer(process, int.Parse(line["LISTENING ".Length..], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
            throw;
        }
    }

    /// <summary>GET an HTTP endpoint of the peer (stats, admin) and parse the JSON.</summary>
    public async Task<JsonElement> GetAsync(string pathAndQuery)
    {
        var text = await Http.GetStringAsync(new Uri($"http://127.0.0.1:{Port}{pathAndQuery}"));
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Kills the process at once, as a crash would: every session is gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.Close();
                if (!_process.WaitForExit(5000))
                {
                    _process.Kill(entireProcessTree: true);
                }

                await _process.WaitForExitAsync();
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ResilientSockets.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("ResilientSockets.sln not found above the test directory.");
    }
}
