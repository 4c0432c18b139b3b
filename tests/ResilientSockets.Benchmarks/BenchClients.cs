using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using ResilientSockets;
using Websocket.Client;

namespace ResilientSockets.Benchmarks;

/// <summary>The same operations through each client's natural API.</summary>
internal interface IBenchClient : IAsyncDisposable
{
    Task ConnectAsync(Uri uri);

    ValueTask SendAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType type);

    /// <summary>The next message from the server, as text (binary is reported by length).</summary>
    Task<string> ReceiveAsync();

    /// <summary>Receives the next message and returns only its length, so the benchmark itself allocates nothing.</summary>
    ValueTask<int> ReceiveLengthAsync();

    /// <summary>Sends a large payload: a transfer for the chunked client, one message for the rest. Completes when the server confirmed it.</summary>
    Task SendLargeAsync(long length);

    static IBenchClient Create(string name) => name switch
    {
        "raw" => new RawClient(),
        "resilient" => new ResilientClient(chunked: false, leased: true),
        "resilient-copy" => new ResilientClient(chunked: false, leased: false),
        "resilient-chunked" => new ResilientClient(chunked: true, leased: true),
        "resilient-session" => new ResilientClient(chunked: false, leased: true, session: true),
        "websocket-client" => new WebsocketClientAdapter(),
        _ => throw new ArgumentException("unknown client " + name),
    };
}

internal sealed class RawClient : IBenchClient
{
    private readonly ClientWebSocket _socket = new();
    private readonly byte[] _buffer = new byte[1 << 16];

    public Task ConnectAsync(Uri uri) => _socket.ConnectAsync(uri, default);

    public ValueTask SendAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType type) => _socket.SendAsync(payload, type, true, default);

    public async Task<string> ReceiveAsync()
    {
        var result = await _socket.ReceiveAsync(_buffer.AsMemory(), default);
        return result.MessageType == WebSocketMessageType.Text ? Encoding.UTF8.GetString(_buffer, 0, result.Count) : $"binary {result.Count}";
    }

    public async ValueTask<int> ReceiveLengthAsync()
    {
        var total = 0;
        while (true)
        {
            var result = await _socket.ReceiveAsync(_buffer.AsMemory(), default);
            total += result.Count;
            if (result.EndOfMessage)
            {
                return total;
            }
        }
    }

    public async Task SendLargeAsync(long length)
    {
        // The raw socket needs the whole payload as one buffer: that is the cost being measured.
        var payload = Payload.Make(length);
        await _socket.SendAsync(payload.AsMemory(), WebSocketMessageType.Binary, true, default);
        await ReceiveAsync();
    }

    public ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        return default;
    }
}

/// <summary>
/// ResilientSockets through a reader created before connecting: leased (pooled payloads, valid until the next read;
/// what a consumer that handles and moves on uses) or copying (each message keeps its own array); optionally in a
/// reliable session (the server must map the session protocol at the URI).
/// </summary>
internal sealed class ResilientClient(bool chunked, bool leased, bool session = false) : IBenchClient
{
    private ResilientWebSocket? _client;
    private WebSocketMessageReader? _reader;
    private IAsyncEnumerator<WebSocketMessage>? _messages;
    private ValueTask<bool> _next;

    public async Task ConnectAsync(Uri uri)
    {
        _client = new ResilientWebSocket(new ResilientWebSocketOptions
        {
            Uri = uri,
            Framing = chunked ? new ChunkedTransferOptions() : null,
            Receiving = { MaxMessageSize = 1 << 30 },
            Session = session ? new ReliableSessionOptions() : null,
        });
        _reader = _client.CreateReader();
        _messages = (leased ? _reader.ReadAllLeasedAsync() : _reader.ReadAllAsync()).GetAsyncEnumerator();
        _next = _messages.MoveNextAsync();
        await _client.StartAsync();
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType type) => _client!.SendAsync(payload, type);

    /// <summary>Completes when everything sent so far is written (plain) or acknowledged by the server (session).</summary>
    public Task FlushAsync() => _client!.FlushAsync();

    public async Task<string> ReceiveAsync()
    {
        if (!await _next)
        {
            throw new InvalidOperationException("The stream ended.");
        }

        // Decoded before moving on: a leased payload is valid only until the next MoveNextAsync.
        var message = _messages!.Current;
        var text = message.IsText ? message.Text : $"binary {message.Data.Length}";
        _next = _messages.MoveNextAsync();
        return text;
    }

    public async ValueTask<int> ReceiveLengthAsync()
    {
        if (!await _next)
        {
            throw new InvalidOperationException("The stream ended.");
        }

        var length = _messages!.Current.Data.Length;
        _next = _messages.MoveNextAsync();
        return length;
    }

    public async Task SendLargeAsync(long length)
    {
        if (chunked)
        {
            await _client!.SendTransferAsync(new Payload.PatternStream(length));
            return;
        }

        await _client!.SendBinaryAsync(Payload.Make(length));
        await ReceiveAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }
    }
}

internal sealed class WebsocketClientAdapter : IBenchClient
{
    private readonly Channel<string> _received = Channel.CreateUnbounded<string>();
    private readonly Channel<int> _lengths = Channel.CreateUnbounded<int>();
    private WebsocketClient? _client;

    private bool _floodMode;

    public async Task ConnectAsync(Uri uri)
    {
        _floodMode = uri.AbsolutePath == "/flood";
        _client = new WebsocketClient(uri) { ReconnectTimeout = null, IsReconnectionEnabled = false };
        _client.MessageReceived.Subscribe(m =>
        {
            if (m.MessageType == WebSocketMessageType.Binary && _floodMode)
            {
                _lengths.Writer.TryWrite(m.Binary?.Length ?? 0);
                return;
            }

            _received.Writer.TryWrite(m.MessageType == WebSocketMessageType.Text ? m.Text ?? string.Empty : $"binary {m.Binary?.Length}");
        });
        await _client.Start();
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType type)
    {
        // Its queued API takes a string or an array; a benchmark loop reuses one of each.
        if (type == WebSocketMessageType.Text)
        {
            _client!.Send(Payload.TextFor(payload));
        }
        else
        {
            _client!.Send(Payload.ArrayFor(payload));
        }

        return default;
    }

    public async Task<string> ReceiveAsync() => await _received.Reader.ReadAsync();

    public async ValueTask<int> ReceiveLengthAsync() => await _lengths.Reader.ReadAsync();

    public async Task SendLargeAsync(long length)
    {
        await _client!.SendInstant(Payload.Make(length));
        await ReceiveAsync();
    }

    public ValueTask DisposeAsync()
    {
        _client?.Dispose();
        return default;
    }
}

internal static class Payload
{
    private static readonly Dictionary<int, string> Texts = [];
    private static readonly Dictionary<int, byte[]> Arrays = [];

    public static byte[] Make(long length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i * 31 >> 3);
        }

        return bytes;
    }

    public static string TextFor(ReadOnlyMemory<byte> payload)
    {
        lock (Texts)
        {
            return Texts.TryGetValue(payload.Length, out var text) ? text : Texts[payload.Length] = Encoding.UTF8.GetString(payload.Span);
        }
    }

    public static byte[] ArrayFor(ReadOnlyMemory<byte> payload)
    {
        lock (Arrays)
        {
            return Arrays.TryGetValue(payload.Length, out var array) ? array : Arrays[payload.Length] = payload.ToArray();
        }
    }

    /// <summary>Generated bytes behind a seekable stream, so the chunked client never holds the payload.</summary>
    public sealed class PatternStream(long length) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get; set; }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - Position);
            for (var i = 0; i < n; i++)
            {
                buffer[i] = (byte)((Position + i) * 31 >> 3);
            }

            Position += n;
            return n;
        }

        // Without this the base Stream would wrap every read in a task (hundreds of bytes per chunk, charged to the client).
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => new(Read(buffer.Span));

        public override long Seek(long offset, SeekOrigin origin) => Position = origin == SeekOrigin.Begin ? offset : origin == SeekOrigin.Current ? Position + offset : length + offset;

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
