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
        var (process, listening) = await NodeProcess.StartAsync(NodeProcess.Folder("node"), ["ws"], ["session-server.js", port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. options]);
        return new NodeSessionPeer(process, listening);
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

    public async ValueTask DisposeAsync() => await NodeProcess.StopAsync(_process);
}
