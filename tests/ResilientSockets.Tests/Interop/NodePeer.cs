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
        var (process, listening) = await NodeProcess.StartAsync(NodeProcess.Folder("node"), ["ws"], ["server.js", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        return new NodePeer(process, listening);
    }

    /// <summary>Kills the process at once, as a crash would.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync() => await NodeProcess.StopAsync(_process);

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
