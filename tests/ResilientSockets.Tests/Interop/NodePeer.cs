using System.Diagnostics;

namespace ResilientSockets.Tests.Interop;

/// <summary>
/// The independent Node peer (tests/interop/node/server.js, `ws` package). A missing node or `npm ci` is a test
/// failure with instructions, never a skip.
/// </summary>
public sealed class NodePeer : IAsyncDisposable
{
    private readonly Process _process;

    private NodePeer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public Uri GetUri(string pathAndQuery) => new($"ws://127.0.0.1:{Port}{pathAndQuery}");

    public static Task<NodePeer> StartAsync() => StartAsync(0);

    public static async Task<NodePeer> StartAsync(int port)
    {
        var root = RepositoryRoot();
        var peerDirectory = Path.Combine(root, "tests", "interop", "node");
        if (!Directory.Exists(Path.Combine(peerDirectory, "node_modules", "ws")))
        {
            throw new InvalidOperationException($"The Node interop peer is not installed: run `npm ci` in {peerDirectory} (.ci/run does this).");
        }

        var start = new ProcessStartInfo("node", ["server.js", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            WorkingDirectory = peerDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("Node.js is required for the interop tests but `node` was not found on PATH.", ex);
        }

        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (line is null || !line.StartsWith("LISTENING ", StringComparison.Ordinal))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"The Node peer did not start: {line} {await process.StandardError.ReadToEndAsync()}");
        }

        return new NodePeer(process, int.Parse(line["LISTENING ".Length..], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Kills the process at once, as a crash would.</summary>
    public async Task KillAsync()
    {
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

        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(5000))
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }

    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ResilientSockets.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Could not find the repository root (ResilientSockets.sln) above " + AppContext.BaseDirectory);
    }
}

/// <summary>One Node process for all interop tests in a class.</summary>
public sealed class NodePeerFixture : Xunit.IAsyncLifetime
{
    public NodePeer Peer { get; private set; } = null!;

    public async Task InitializeAsync() => Peer = await NodePeer.StartAsync();

    public async Task DisposeAsync() => await Peer.DisposeAsync();
}
