using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace ResilientSockets.Tests.Connection;

/// <summary>
/// A TCP server that completes a real RFC 6455 handshake (101 with the right Sec-WebSocket-Accept) and then writes
/// whatever bytes the test gives it: the deterministic stand-in for a server that is not speaking WebSocket after 101.
/// </summary>
internal sealed class RawHandshakePeer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly byte[] _afterHandshake;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _handshakes;

    public RawHandshakePeer(string afterHandshake)
    {
        _afterHandshake = Encoding.ASCII.GetBytes(afterHandshake);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int HandshakeCount => Volatile.Read(ref _handshakes);

    public Uri Uri => new($"ws://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/raw");

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var request = await ReadHeadAsync(stream);
                var key = request.Split("\r\n")
                    .Select(l => l.Split(':', 2))
                    .First(p => p[0].Trim().Equals("Sec-WebSocket-Key", StringComparison.OrdinalIgnoreCase))[1].Trim();
                var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
                var response = $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(response), _stop.Token);
                Interlocked.Increment(ref _handshakes);
                await stream.WriteAsync(_afterHandshake, _stop.Token);
                await stream.FlushAsync(_stop.Token);

                // Hold the connection until the client gives up on it, as the real server would until its own timeout.
                var sink = new byte[1024];
                while (await stream.ReadAsync(sink, _stop.Token) > 0)
                {
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one) == 0)
            {
                throw new IOException("The client closed before finishing its request.");
            }

            head.Append((char)one[0]);
        }

        return head.ToString();
    }
}
