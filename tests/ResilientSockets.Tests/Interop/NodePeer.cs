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
            throw new InvalidOperationException($"The Node interop peer is not installed: run `bash tests/interop/provision.sh` (or `npm ci` in {peerDirectory}). `dotnet test` does this before the tests run.");
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

        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            if (line is null || !line.StartsWith("LISTENING ", StringComparison.Ordinal))
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"The Node peer did not start: {line} {await process.StandardError.ReadToEndAsync()}");
            }

            return new NodePeer(process, int.Parse(line["LISTENING ".Length..], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch
        {
            // A peer that never said LISTENING (timeout, bad output) must not outlive the failed start.
            KillQuietly(process);
            process.Dispose();
            throw;
        }
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
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
    private NodePeer? _peer;

    public NodePeer Peer => _peer ?? throw new InvalidOperationException("The Node peer did not start (the fixture's setup failed; its error is reported with the tests).");

    public async Task InitializeAsync() => _peer = await NodePeer.StartAsync();

    /// <summary>Stops the peer if it started; a failed setup has nothing to clean up and must not add a second error.</summary>
    public async Task DisposeAsync()
    {
        if (_peer is not null)
        {
            await _peer.DisposeAsync();
        }
    }
}
