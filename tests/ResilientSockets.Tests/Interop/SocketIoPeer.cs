using System.Collections.Concurrent;
using System.Diagnostics;

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
        var (process, port) = await NodeProcess.StartAsync(NodeProcess.Folder("node"), ["socket.io"], ["socketio-server.js", "0", path]);
        return new SocketIoPeer(process, port);
    }

    public async ValueTask DisposeAsync()
    {
        await NodeProcess.StopAsync(_process);
        await _pump; // the upgrade log ends with the process
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
