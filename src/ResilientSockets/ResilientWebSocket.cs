using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using ResilientSockets.Connection;
using ResilientSockets.Diagnostics;
using ResilientSockets.Framing;
using ResilientSockets.Internal;
using ResilientSockets.Lifecycle;
using ResilientSockets.Receiving;
using ResilientSockets.Sending;

namespace ResilientSockets;

/// <summary>
/// A WebSocket client that keeps itself connected: explicit states, reconnect with backoff through Polly, an outbound
/// queue held until the link is open, and message streams that continue across reconnects.
/// </summary>
/// <remarks>
/// One background loop owns the socket (connect, receive, reconnect) and one send loop drains the queue, so the
/// underlying <see cref="System.Net.WebSockets.ClientWebSocket"/> always has exactly one reader and one writer.
/// All members are thread-safe.
/// </remarks>
/// <example>
/// <code>
/// await using var client = new ResilientWebSocket(new ResilientWebSocketOptions { Uri = new Uri("wss://example.com/feed") });
/// client.StateChanged += (_, e) => Console.WriteLine($"{e.PreviousState} -> {e.State}");
/// await client.StartAsync();
/// await client.SendTextAsync("hello");
/// await foreach (var message in client.ReadAllAsync(cancellationToken))
/// {
///     Console.WriteLine(message.Text);
/// }
/// </code>
/// </example>
public sealed partial class ResilientWebSocket : IAsyncDisposable, IDisposable
{
    private static readonly AsyncLocal<ResilientWebSocket?> ReceiveLoopOwner = new();

    private readonly ResilientWebSocketOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConnectionStateMachine _state;
    private readonly EventDispatcher _dispatcher;
    private readonly SendQueue _queue;
    private readonly ReaderHub _readers;
    private readonly CancellationTokenSource _stopCts = new();
    private readonly TaskCompletionSource<bool> _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<bool> _firstOpen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<OutboundMessage> _onExpired;
    private readonly TransferEngine? _transfers;
    private readonly SocketMetrics _metrics;
    private readonly KeyValuePair<string, object?> _nameTag;
    private TaskCompletionSource<bool> _openSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _lifecycle;
    private int _disposed;

    /// <summary>Initializes a client for <paramref name="uri"/> with default options.</summary>
    /// <param name="uri">The server address, <c>ws://</c> or <c>wss://</c>.</param>
    /// <param name="logger">Where to log; nothing is logged when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The address is not a WebSocket address.</exception>
    public ResilientWebSocket(Uri uri, ILogger? logger = null)
        : this(new ResilientWebSocketOptions { Uri = Guard.NotNull(uri) }, logger)
    {
    }

    /// <summary>Initializes a client. The options are validated and copied; later changes to them have no effect.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="logger">Where to log; nothing is logged when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">One or more options are invalid; the message lists every problem.</exception>
    public ResilientWebSocket(ResilientWebSocketOptions options, ILogger? logger = null)
    {
        Guard.NotNull(options);
        options.Validate();
        _options = options.Clone();
        _logger = logger ?? NullLogger.Instance;
        _time = _options.TimeProvider;
        _dispatcher = new EventDispatcher(_logger);
        _state = new ConnectionStateMachine(OnStateChanged);
        _control = new LifecycleControl(_state);
        _queue = new SendQueue(_options.Sending, OnOutboundDropped);
        _readers = new ReaderHub(_options.Receiving, OnInboundDropped);
        _metrics = SocketMetrics.For(_options.MeterFactory);
        _nameTag = new KeyValuePair<string, object?>(ResilientSocketsDiagnostics.ClientNameTag, _options.Name);
        _onExpired = message => OnOutboundDropped(message, MessageDropReason.Expired);
        if (_options.Session is { } sessionOptions)
        {
            _session = new Sessions.SessionState(sessionOptions);
        }

        InitializeOutbox();
        if (_options.Framing is { } framing)
        {
            _transfers = new TransferEngine(framing, _time, _logger, PostFrame, _metrics, _nameTag);
        }

        InitializeSubscriptions();
        _metrics.Register(this, _options.Name);
    }

    /// <summary>Raised once per state transition, in order, on a dedicated event loop (never under the client's locks).</summary>
    public event EventHandler<ConnectionStateChangedEventArgs>? StateChanged;

    /// <summary>Raised when an accepted message is dropped by an overflow policy or expires. Runs on the event loop.</summary>
    public event EventHandler<MessageDroppedEventArgs>? MessageDropped;

    /// <summary>Gets the current state.</summary>
    public ConnectionState State => _state.State;

    /// <summary>Gets the number of messages waiting in the outbound queue.</summary>
    public int QueuedMessageCount => _queue.Count;

    /// <summary>
    /// Starts the client: connects (retrying per <see cref="ReconnectOptions"/> unless <see cref="ReconnectOptions.FailFastOnStart"/>)
    /// and then keeps the connection alive until stopped. Callable once, on an <see cref="ConnectionState.Idle"/> client.
    /// </summary>
    /// <param name="cancellationToken">Cancelling it before the first connection opens stops the client.</param>
    /// <returns>A task that completes when the first connection is open.</returns>
    /// <exception cref="InvalidOperationException">The client was already started.</exception>
    /// <exception cref="WebSocketConnectException">The client gave up before the first connection opened (the client is <see cref="ConnectionState.Faulted"/>).</exception>
    /// <exception cref="OperationCanceledException">The token fired, or the client was stopped, before the first connection opened.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        if (!_state.TryTransition(ConnectionState.Idle, ConnectionState.Connecting))
        {
            throw new InvalidOperationException(
                $"StartAsync can only be called once, on an Idle client; this client is {State}. A stopped or faulted client cannot be restarted: create a new one.");
        }

        Log.Starting(_logger);
        OnStarting();
        _lifecycle = Task.Run(RunAsync);
        return WaitForFirstOpenAsync(cancellationToken);
    }

    /// <summary>
    /// Stops the client: pending sends fail with <see cref="MessageNotSentException"/> (<see cref="MessageDropReason.Stopped"/>),
    /// the close handshake runs for up to <see cref="ResilientWebSocketOptions.CloseTimeout"/>, readers end, state becomes
    /// <see cref="ConnectionState.Closed"/>. Calling it again, or on a stopped client, does nothing.
    /// </summary>
    /// <param name="cancellationToken">Cancelling it skips the rest of the close handshake (the connection is aborted); the client still stops.</param>
    /// <returns>A task that completes when the client is stopped.</returns>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        RequestStop();
        await WaitForLifecycleAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the client (as <see cref="StopAsync(CancellationToken)"/>), fails pending sends with <see cref="ObjectDisposedException"/>, ends
    /// every reader, and waits until no task or timer of the client is left running.
    /// </summary>
    /// <returns>A task that completes when everything has ended.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        RequestStop();

        // A message handler runs on the receive loop and a state handler on the event loop: neither can wait for
        // the loop it is running on. From there, dispose only requests the stop, and the client finishes on its own.
        if (ReferenceEquals(ReceiveLoopOwner.Value, this) || _dispatcher.IsDispatching)
        {
            return;
        }

        await WaitForLifecycleAsync(CancellationToken.None).ConfigureAwait(false);
        await _dispatcher.Completion.ConfigureAwait(false);
        _stopCts.Dispose();
    }

    /// <summary>
    /// Disposes the client, blocking until it has stopped. Prefer <see cref="DisposeAsync"/>. In the browser, where
    /// WebAssembly's one thread cannot block, it starts the disposal and returns before the client has stopped.
    /// </summary>
    public void Dispose()
    {
        var disposal = DisposeAsync().AsTask();
        if (_options.IsBrowser)
        {
            // Waiting here would wait for work that can only run once this call has returned.
            disposal.Forget();
            return;
        }

        disposal.GetAwaiter().GetResult();
    }

    /// <summary>Gets the options the client runs with (a validated copy).</summary>
    internal ResilientWebSocketOptions Options => _options;

    /// <summary>Gets a value indicating whether any loop of this client is still running (for leak tests).</summary>
    internal bool HasRunningWork => _lifecycle is { IsCompleted: false } || !_dispatcher.Completion.IsCompleted || Volatile.Read(ref _current) is not null;

    private bool IsDisposed => Volatile.Read(ref _disposed) == 1;

    private void ThrowIfDisposed()
    {
        if (IsDisposed)
        {
            throw new ObjectDisposedException(nameof(ResilientWebSocket));
        }
    }

    private void RequestStop()
    {
        var left = _state.TryTransition(static s => s switch
        {
            ConnectionState.Idle => ConnectionState.Closed,
            ConnectionState.Connecting or ConnectionState.Open or ConnectionState.Reconnecting or ConnectionState.Paused => ConnectionState.Closing,
            _ => null,
        });

        if (left is null)
        {
            return;
        }

        _queue.CompleteAdding(StoppedError);
        if (left == ConnectionState.Idle)
        {
            // Never started: nothing runs, so finish here.
            _outbox?.Close(new MessageNotSentException(MessageDropReason.Stopped, "The client was stopped before it started; the message stays in the outbox, and a client started on the same store sends it."));
            FailQueued(MessageDropReason.Stopped);
            _readers.CompleteAll(null);
            _firstOpen.TrySetException(new OperationCanceledException("The client was stopped before it connected."));
            _transfers?.DisposeAsync().AsTask().Forget();
            _metrics.Unregister(this);
            _dispatcher.Complete();
            return;
        }

        Log.Stopping(_logger);
        _stopRequested.TrySetResult(true);
        _stopCts.Cancel();
    }

    private async Task WaitForLifecycleAsync(CancellationToken cancellationToken)
    {
        var lifecycle = _lifecycle;
        if (lifecycle is null)
        {
            return;
        }

        // Called from a message handler, the receive loop is this very call stack: waiting for it would deadlock.
        if (ReferenceEquals(ReceiveLoopOwner.Value, this))
        {
            return;
        }

        using (cancellationToken.Register(static s => ((ResilientWebSocket)s!).AbortCurrentConnection(), this))
        {
            await lifecycle.ConfigureAwait(false);
        }
    }

    private Exception StoppedError() => IsDisposed
        ? new ObjectDisposedException(nameof(ResilientWebSocket), "The client was disposed before the message could be sent.")
        : new MessageNotSentException(MessageDropReason.Stopped, "The client was stopped before the message could be sent.");

    private async Task WaitForFirstOpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            await TaskHelpers.WaitAsync(_firstOpen.Task, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !_firstOpen.Task.IsCompleted)
        {
            RequestStop();
            await WaitForLifecycleAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    private void OnStateChanged(ConnectionStateChangedEventArgs change)
    {
        // Runs under the state machine's lock, so the open signal always matches the state it describes.
        switch (change.State)
        {
            case ConnectionState.Open:
                _openSignal.TrySetResult(true);
                break;
            case ConnectionState.Closing or ConnectionState.Closed or ConnectionState.Faulted:
                _openSignal.TrySetException(new ResilientWebSocketException(
                    $"The client is {change.State}{(IsDisposed ? " (disposed)" : string.Empty)}: it will not open again. Create a new client to connect again.",
                    change.Cause));
                break;
            default:
                if (change.PreviousState == ConnectionState.Open)
                {
                    Volatile.Write(ref _openSignal, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
                }

                break;
        }

        _subscriptions?.OnStateChanged(change);
        Log.StateChanged(_logger, change.PreviousState, change.State);
        _dispatcher.Post(
            static s =>
            {
                var (self, args) = ((ResilientWebSocket, ConnectionStateChangedEventArgs))s!;
                self.StateChanged?.Invoke(self, args);
            },
            (this, change),
            nameof(StateChanged));
    }

    private void RaiseDropped(MessageDroppedEventArgs args)
    {
        _metrics.MessagesDropped.Add(1, _nameTag, new("direction", args.Direction.ToString()), new("reason", args.Reason.ToString()), new("reader", args.ReaderName));
        if (args.ReaderName is { } reader)
        {
            Log.InboundMessageDropped(_logger, reader, args.MessageType, args.Length, args.Reason);
        }
        else
        {
            Log.MessageDropped(_logger, args.Direction, args.MessageType, args.Length, args.Reason);
        }
        _dispatcher.Post(
            static s =>
            {
                var (self, e) = ((ResilientWebSocket, MessageDroppedEventArgs))s!;
                self.MessageDropped?.Invoke(self, e);
            },
            (this, args),
            nameof(MessageDropped));
    }

    private void OnOutboundDropped(OutboundMessage message, MessageDropReason reason)
        => RaiseDropped(new MessageDroppedEventArgs(MessageDirection.Outbound, reason, message.MessageType, message.Length));

    private void OnInboundDropped(string readerName, System.Net.WebSockets.WebSocketMessageType messageType, int length)
        => RaiseDropped(new MessageDroppedEventArgs(MessageDirection.Inbound, MessageDropReason.Overflow, messageType, length, readerName));

    private void FailQueued(MessageDropReason reason)
    {
        var failed = _queue.FailAll();
        if (failed > 0)
        {
            Log.QueuedMessagesFailed(_logger, failed, reason);
        }
    }
}
