using System.Diagnostics;

namespace ResilientSockets.Tests.Interop;

/// <summary>
/// A real protocol server from npm (tests/interop/protocols: graphql-ws, rpc-websockets), run as a Node process. Every
/// line it prints after "LISTENING &lt;port&gt;" is a wire-level event (SUBSCRIBE/COMPLETE, ON/OFF, CALL, CONNECT, CLOSE) the
/// tests count. It can be killed and started again on the same port, as a crashed and restarted server would be.
/// </summary>
public sealed class ProtocolPeer : IAsyncDisposable
{
    private readonly string _script;
    private readonly string[] _arguments;
    private readonly object _gate = new();
    private readonly List<string> _lines = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? _process;

    private ProtocolPeer(string script, string[] arguments)
    {
        _script = script;
        _arguments = arguments;
    }

    public int Port { get; private set; }

    public Uri Uri => new($"ws://127.0.0.1:{Port}/");

    /// <summary>Gets every event line printed so far, by every process started on this port.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return _lines.ToArray();
            }
        }
    }

    public int Count(string prefix) => Lines.Count(l => l.StartsWith(prefix, StringComparison.Ordinal));

    public static Task<ProtocolPeer> StartGraphQLAsync(params string[] arguments) => StartAsync("graphql-server.mjs", arguments);

    public static Task<ProtocolPeer> StartJsonRpcAsync() => StartAsync("jsonrpc-server.cjs", []);

    private static async Task<ProtocolPeer> StartAsync(string script, string[] arguments)
    {
        var peer = new ProtocolPeer(script, arguments);
        await peer.LaunchAsync(0);
        return peer;
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the lines printed so far.</summary>
    public async Task WaitForAsync(Func<IReadOnlyList<string>, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Infrastructure.TestTimeouts.Signal;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (condition(_lines))
                {
                    return;
                }

                changed = _changed.Task;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || await Task.WhenAny(changed, Task.Delay(left)) != changed)
            {
                throw new TimeoutException($"The {_script} server never showed {what}. Its lines: {string.Join(" | ", Lines)}");
            }
        }
    }

    /// <summary>Kills the process at once, as a crash would: connections drop without a close frame.</summary>
    public async Task KillAsync()
    {
        var process = _process!;
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        process.Dispose();
        _process = null;
    }

    /// <summary>Starts the server again on the same port (the address clients reconnect to).</summary>
    public Task RestartAsync() => LaunchAsync(Port);

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            await NodeProcess.StopAsync(process);
        }
    }

    private async Task LaunchAsync(int port)
    {
        var (process, listening) = await NodeProcess.StartAsync(
            NodeProcess.Folder("protocols"),
            ["graphql-ws", "rpc-websockets"],
            [_script, port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. _arguments]);
        Port = listening;
        _process = process;
        _ = PumpAsync(process.StandardOutput);
        _ = process.StandardError.ReadToEndAsync();
    }

    private async Task PumpAsync(StreamReader output)
    {
        try
        {
            while (await output.ReadLineAsync() is { } line)
            {
                TaskCompletionSource changed;
                lock (_gate)
                {
                    _lines.Add(line);
                    changed = _changed;
                    _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                changed.TrySetResult();
            }
        }
        catch (ObjectDisposedException)
        {
            // The process was killed: its output ends.
        }
    }
}
