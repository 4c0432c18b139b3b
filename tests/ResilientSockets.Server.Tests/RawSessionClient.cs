using System.Net.WebSockets;
using System.Text;

namespace ResilientSockets.Server.Tests;

/// <summary>A frame (or the close) the raw client received.</summary>
internal sealed record ReceivedFrame(SessionFrame Header, byte[] Payload, WebSocketCloseStatus? CloseStatus = null, string? CloseDescription = null)
{
    public bool IsClose => CloseStatus is not null;

    public string Text => Encoding.UTF8.GetString(Payload);

    public override string ToString() => IsClose ? $"Close {CloseStatus} '{CloseDescription}'" : $"{Header.Kind} {Header.Value}";
}

/// <summary>
/// A hand-driven session client written from the README's tables with the public codec: it sends exactly the frames a
/// test says, so the server's rules can be tested without the library's own client.
/// </summary>
internal sealed class RawSessionClient : IAsyncDisposable
{
    private static readonly TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(10);
    private readonly ClientWebSocket _socket = new();
    private readonly byte[] _buffer = new byte[1 << 20];

    public WebSocket Socket => _socket;

    public static async Task<RawSessionClient> ConnectAsync(Uri uri)
    {
        var client = new RawSessionClient();
        client._socket.Options.AddSubProtocol(SessionFrameCodec.SubProtocol);
        await client._socket.ConnectAsync(uri, CancellationToken.None).WaitAsync(ReceiveTimeout);
        return client;
    }

    /// <summary>Connects, sends HELLO and returns the WELCOME.</summary>
    public static async Task<(RawSessionClient Client, SessionFrame Welcome)> StartAsync(Uri uri, Guid sessionId = default, ulong lastReceived = 0)
    {
        var client = await ConnectAsync(uri);
        await client.SendHelloAsync(sessionId, lastReceived);
        var welcome = await client.ReceiveAsync();
        welcome.Header.Kind.Should().Be(SessionFrameKind.Welcome, "the server answers HELLO with WELCOME ({0})", welcome);
        return (client, welcome.Header);
    }

    public Task SendHelloAsync(Guid sessionId, ulong lastReceived)
    {
        var frame = new byte[SessionFrameCodec.HelloSize];
        SessionFrameCodec.WriteHello(frame, sessionId, lastReceived);
        return SendRawAsync(frame);
    }

    public Task SendDataAsync(ulong sequence, string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        var frame = new byte[SessionFrameCodec.HeaderSize + payload.Length];
        SessionFrameCodec.WriteDataHeader(frame, sequence, isText: true);
        payload.CopyTo(frame, SessionFrameCodec.HeaderSize);
        return SendRawAsync(frame);
    }

    public Task SendControlAsync(SessionFrameKind kind, ulong value)
    {
        var frame = new byte[SessionFrameCodec.HeaderSize];
        SessionFrameCodec.WriteControl(frame, kind, value);
        return SendRawAsync(frame);
    }

    public Task SendRawAsync(byte[] frame, WebSocketMessageType type = WebSocketMessageType.Binary) =>
        _socket.SendAsync(frame, type, endOfMessage: true, CancellationToken.None).WaitAsync(ReceiveTimeout);

    /// <summary>The next frame, or the server's close (answered, so the close handshake completes).</summary>
    public async Task<ReceivedFrame> ReceiveAsync()
    {
        var length = 0;
        while (true)
        {
            var result = await _socket.ReceiveAsync(_buffer.AsMemory(length), CancellationToken.None).AsTask().WaitAsync(ReceiveTimeout);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                if (_socket.State == WebSocketState.CloseReceived)
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                }

                return new ReceivedFrame(default, [], _socket.CloseStatus ?? WebSocketCloseStatus.Empty, _socket.CloseStatusDescription);
            }

            length += result.Count;
            if (result.EndOfMessage)
            {
                var header = SessionFrameCodec.Decode(_buffer.AsSpan(0, length), length);
                var payload = header.Kind == SessionFrameKind.Data ? _buffer.AsSpan(SessionFrameCodec.HeaderSize, length - SessionFrameCodec.HeaderSize).ToArray() : [];
                return new ReceivedFrame(header, payload);
            }
        }
    }

    /// <summary>Receives frames until one of <paramref name="kind"/>.</summary>
    public async Task<ReceivedFrame> ReceiveUntilAsync(SessionFrameKind kind)
    {
        while (true)
        {
            var frame = await ReceiveAsync();
            if (frame.IsClose)
            {
                throw new InvalidOperationException($"Closed while waiting for {kind}: {frame}.");
            }

            if (frame.Header.Kind == kind)
            {
                return frame;
            }
        }
    }

    /// <summary>Receives until the close (frames before it are skipped) and returns it.</summary>
    public async Task<ReceivedFrame> ReceiveCloseAsync()
    {
        while (true)
        {
            var frame = await ReceiveAsync();
            if (frame.IsClose)
            {
                return frame;
            }
        }
    }

    public async Task CloseAsync(WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure)
    {
        await _socket.CloseOutputAsync(status, null, CancellationToken.None).WaitAsync(ReceiveTimeout);
        await ReceiveCloseAsync();
    }

    /// <summary>Drops the TCP connection without a close frame, as a network cut would.</summary>
    public void Abort() => _socket.Abort();

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
