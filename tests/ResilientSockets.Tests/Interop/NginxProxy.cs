using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ResilientSockets.Tests.Interop;

/// <summary>nginx from the distribution, started with a config from tests/interop/nginx. Missing nginx is a failure, never a skip.</summary>
public sealed class NginxProxy : IAsyncDisposable
{
    private readonly string _prefix;
    private readonly string _config;
    private Process? _process;

    private NginxProxy(string prefix, string config, int port)
    {
        _prefix = prefix;
        _config = config;
        Port = port;
    }

    public int Port { get; }

    public Uri Wrap(Uri serverUri) => new UriBuilder(serverUri) { Port = Port }.Uri;

    public static async Task<NginxProxy> StartAsync(string configName, int upstreamPort)
    {
        var binary = new[] { "/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nginx is required for the reverse-proxy tests: run `apt-get update && apt-get install -y nginx-light` as root (`dotnet test` does this before the tests run when it runs as root).");
        var prefix = Directory.CreateTempSubdirectory("rs-nginx-").FullName;
        var port = FreePort();
        var template = await File.ReadAllTextAsync(Path.Combine(NodePeer.RepositoryRoot(), "tests", "interop", "nginx", configName));
        var config = Path.Combine(prefix, "nginx.conf");
        await File.WriteAllTextAsync(config, template.Replace("{{PREFIX}}", prefix, StringComparison.Ordinal).Replace("{{PORT}}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal).Replace("{{UPSTREAM}}", upstreamPort.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        var proxy = new NginxProxy(prefix, config, port) { };
        proxy._binary = binary;
        try
        {
            await proxy.StartProcessAsync();
        }
        catch
        {
            // Nothing may outlive a failed start: a process that never listened, the temporary prefix.
            await proxy.DisposeAsync();
            throw;
        }

        return proxy;
    }

    private string _binary = "nginx";

    /// <summary>Stops nginx (dropping every connection) and starts it again on the same port.</summary>
    public async Task RestartAsync()
    {
        await StopProcessAsync();
        await StartProcessAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopProcessAsync();
        try
        {
            Directory.Delete(_prefix, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task StartProcessAsync()
    {
        var info = new ProcessStartInfo(_binary, ["-p", _prefix, "-c", _config, "-g", "daemon off;"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        _process = Process.Start(info) ?? throw new InvalidOperationException("nginx did not start");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"nginx exited: {await _process.StandardError.ReadToEndAsync()} {await ReadErrorLogAsync()}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(20);
            }
        }

        throw new TimeoutException("nginx did not listen on port " + Port);
    }

    private async Task StopProcessAsync()
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    private async Task<string> ReadErrorLogAsync()
    {
        var log = Path.Combine(_prefix, "error.log");
        return File.Exists(log) ? await File.ReadAllTextAsync(log) : string.Empty;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
