using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace ResilientSockets.Tests.Interop;

/// <summary>
/// A real Socket.IO server (tests/interop/node/socketio-server.js, npm `socket.io`) on a given path. It prints every
/// upgrade request it receives, so a test can tell whether the client connected at all. A missing node or `npm ci`
/// is a test failure with instructions, never a skip.
/// </summary>
public sealed class SocketIoPeer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _upgrades = new();
    private readonly Task _pump;

    private SocketIoPeer(Process process, int port)
    {
        _process = process;
        Port = port;
        _pump = Task.Run(PumpAsync);
    }

    public int Port { get; }

    /// <summary>Gets the request targets of the upgrade requests the server has seen, in order.</summary>
    public IReadOnlyList<string> Upgrades => _upgrades.ToArray();

    public Uri GetUri(string pathAndQuery) => new($"ws://127.0.0.1:{Port}{pathAndQuery}");

    public static async Task<SocketIoPeer> StartAsync(string path)
    {
        var directory = Path.Combine(NodePeer.RepositoryRoot(), "tests", "interop", "node");
        if (!Directory.Exists(Path.Combine(directory, "node_modules", "socket.io")))
        {
            throw new InvalidOperationException($"The Socket.IO interop peer is not installed: run `npm ci` in {directory} (.ci/run does this).");
        }

        var start = new ProcessStartInfo("node", ["socketio-server.js", "0", path])
        {
            WorkingDirectory = directory,
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
            throw new InvalidOperationException($"The Socket.IO peer did not start: {line} {await process.StandardError.ReadToEndAsync()}");
        }

        return new SocketIoPeer(process, int.Parse(line["LISTENING ".Length..], CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                // The script exits when its standard input closes; a kill is the fallback.
                _process.StandardInput.Close();
                if (!_process.WaitForExit(5000))
                {
                    _process.Kill(entireProcessTree: true);
                }

                await _process.WaitForExitAsync();
            }

            await _pump;
        }
        finally
        {
            _process.Dispose();
        }
    }

    private async Task PumpAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("UPGRADE ", StringComparison.Ordinal))
            {
                _upgrades.Enqueue(line["UPGRADE ".Length..]);
            }
        }
    }
}

/// <summary>Two Socket.IO servers for a test class: one on the default path, one on a custom path (<c>/rt/</c>).</summary>
public sealed class SocketIoPeerFixture : Xunit.IAsyncLifetime
{
    public const string CustomPath = "/rt/";

    public SocketIoPeer DefaultPath { get; private set; } = null!;

    public SocketIoPeer Custom { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        DefaultPath = await SocketIoPeer.StartAsync("/socket.io/");
        Custom = await SocketIoPeer.StartAsync(CustomPath);
    }

    public async Task DisposeAsync()
    {
        await DefaultPath.DisposeAsync();
        await Custom.DisposeAsync();
    }
}
