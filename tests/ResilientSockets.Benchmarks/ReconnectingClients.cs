using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using ResilientSockets;
using Websocket.Client;

namespace ResilientSockets.Benchmarks;

/// <summary>
/// What the fault scenarios need from a client that should survive the network: notice a loss, come back, and deliver
/// what was sent meanwhile. Each client is set up with the same retry schedule (about 100 ms) and liveness budget.
/// </summary>
internal interface IReconnectingClient : IAsyncDisposable
{
    Task ConnectAsync(Uri uri);

    /// <summary>Sends a text message now, or keeps it for the next connection if the client can.</summary>
    void Send(string text);

    /// <summary>Waits for the next detected loss of the connection.</summary>
    Task<bool> WaitForLossAsync(TimeSpan timeout);

    /// <summary>Waits until the server echoes <paramref name="text"/>.</summary>
    Task<bool> WaitForMessageAsync(string text, TimeSpan timeout);

    /// <param name="name">raw, resilient or websocket-client.</param>
    /// <param name="liveness">The time within which a silent link must be declared dead, or null for each client's defaults.</param>
    static IReconnectingClient Create(string name, TimeSpan? liveness) => name switch
    {
        "raw" => new RawReconnectingClient(liveness),
        "resilient" => new ResilientReconnectingClient(liveness),
        "websocket-client" => new WebsocketClientReconnecting(liveness),
        _ => throw new ArgumentException("unknown client " + name),
    };
}

/// <summary>Shared plumbing: the loss signal and the inbox.</summary>
internal abstract class ReconnectingClientBase
{
    private readonly SemaphoreSlim _losses = new(0);
    private readonly Channel<string> _inbox = Channel.CreateUnbounded<string>();

    public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);

    public async Task<bool> WaitForLossAsync(TimeSpan timeout) => await _losses.WaitAsync(timeout);

    public async Task<bool> WaitForMessageAsync(string text, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await _inbox.Reader.ReadAsync(cts.Token) != text)
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    protected void OnLoss() => _losses.Release();

    protected void OnText(string text) => _inbox.Writer.TryWrite(text);
}

/// <summary>Raw ClientWebSocket plus the reconnect loop and pending list every team writes by hand.</summary>
internal sealed class RawReconnectingClient(TimeSpan? liveness) : ReconnectingClientBase, IReconnectingClient
{
    private readonly object _gate = new();
    private readonly List<string> _pending = [];
    private readonly CancellationTokenSource _disposed = new();
    private ClientWebSocket? _socket;
    private Uri? _uri;
    private Task _loop = Task.CompletedTask;

    public async Task ConnectAsync(Uri uri)
    {
        _uri = uri;
        var socket = await OpenAsync();
        _loop = RunAsync(socket);
    }

    public void Send(string text)
    {
        lock (_gate)
        {
            if (_socket is { State: WebSocketState.Open } socket)
            {
                // One sender in these scenarios, so no write lock is needed here.
                _ = socket.SendAsync(Encoding.UTF8.GetBytes(text).AsMemory(), WebSocketMessageType.Text, true, default).AsTask();
                return;
            }

            _pending.Add(text);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        _socket?.Abort();
        await _loop;
        _socket?.Dispose();
    }

    private async Task<ClientWebSocket> OpenAsync()
    {
        var socket = new ClientWebSocket();
        if (liveness is { } budget)
        {
            socket.Options.KeepAliveInterval = budget / 2;
            socket.Options.KeepAliveTimeout = budget / 2;
        }

        await socket.ConnectAsync(_uri!, _disposed.Token);
        lock (_gate)
        {
            _socket = socket;
            foreach (var text in _pending)
            {
                _ = socket.SendAsync(Encoding.UTF8.GetBytes(text).AsMemory(), WebSocketMessageType.Text, true, default).AsTask();
            }

            _pending.Clear();
        }

        return socket;
    }

    private async Task RunAsync(ClientWebSocket socket)
    {
        var buffer = new byte[4096];
        while (!_disposed.IsCancellationRequested)
        {
            try
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), _disposed.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    throw new WebSocketException("closed");
                }

                OnText(Encoding.UTF8.GetString(buffer, 0, result.Count));
                continue;
            }
            catch (Exception) when (!_disposed.IsCancellationRequested)
            {
                OnLoss();
            }
            catch (Exception)
            {
                return;
            }

            socket.Dispose();
            while (!_disposed.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(RetryDelay, _disposed.Token);
                    socket = await OpenAsync();
                    break;
                }
                catch (Exception) when (!_disposed.IsCancellationRequested)
                {
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}

internal sealed class ResilientReconnectingClient(TimeSpan? liveness) : ReconnectingClientBase, IReconnectingClient
{
    private readonly List<Task> _sends = [];
    private ResilientWebSocket? _client;

    public async Task ConnectAsync(Uri uri)
    {
        var options = new ResilientWebSocketOptions { Uri = uri };
        options.Reconnect.Delay = RetryDelay;
        options.Reconnect.MaxDelay = RetryDelay;
        if (liveness is { } budget)
        {
            options.Heartbeat.Enabled = true;
            options.Heartbeat.Interval = budget / 2;
            options.Heartbeat.Timeout = budget / 2;
        }

        _client = new ResilientWebSocket(options);
        _client.StateChanged += (_, e) =>
        {
            if (e.PreviousState == ConnectionState.Open)
            {
                OnLoss();
            }
        };
        _client.MessageReceived += (message, _) =>
        {
            if (message.IsText)
            {
                OnText(message.Text);
            }

            return default;
        };
        await _client.StartAsync();
    }

    public void Send(string text) => _sends.Add(_client!.SendTextAsync(text).AsTask());

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }
    }
}

internal sealed class WebsocketClientReconnecting(TimeSpan? liveness) : ReconnectingClientBase, IReconnectingClient
{
    private WebsocketClient? _client;
    private Timer? _ping;

    public async Task ConnectAsync(Uri uri)
    {
        _client = new WebsocketClient(uri)
        {
            IsReconnectionEnabled = true,
            ErrorReconnectTimeout = RetryDelay,
            LostReconnectTimeout = null,

            // Its liveness check is "no message for this long"; the usual pairing is an application ping on a timer.
            ReconnectTimeout = liveness,
        };
        _client.DisconnectionHappened.Subscribe(_ => OnLoss());
        _client.MessageReceived.Subscribe(m =>
        {
            if (m.MessageType == WebSocketMessageType.Text && m.Text is { } text)
            {
                OnText(text);
            }
        });
        await _client.Start();
        if (liveness is { } budget)
        {
            _ping = new Timer(_ => _client.Send("{\"type\":\"ping\"}"), null, budget / 2, budget / 2);
        }
    }

    public void Send(string text) => _client!.Send(text);

    public async ValueTask DisposeAsync()
    {
        if (_ping is not null)
        {
            await _ping.DisposeAsync();
        }

        _client?.Dispose();
    }
}
