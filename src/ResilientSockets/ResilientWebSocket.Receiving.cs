using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Connection;
using ResilientSockets.Diagnostics;
using ResilientSockets.Internal;
using ResilientSockets.Receiving;
using ResilientSockets.Reconnect;
using ResilientSockets.Sessions;

namespace ResilientSockets;

public sealed partial class ResilientWebSocket
{
    private readonly object _handlerGate = new();
    private Func<WebSocketMessage, CancellationToken, ValueTask>[] _messageHandlers = [];

    /// <summary>
    /// Raised for every received message, awaited in order on the receive loop before the message goes to readers.
    /// A handler that throws is logged and the loop carries on. Keep handlers short: while one runs, nothing else is received.
    /// </summary>
    public event Func<WebSocketMessage, CancellationToken, ValueTask>? MessageReceived
    {
        // An immutable array swapped on change, so the receive loop reads the handlers without a lock or an allocation.
        add
        {
            if (value is null)
            {
                return;
            }

            lock (_handlerGate)
            {
                var next = new Func<WebSocketMessage, CancellationToken, ValueTask>[_messageHandlers.Length + 1];
                _messageHandlers.CopyTo(next, 0);
                next[^1] = value;
                Volatile.Write(ref _messageHandlers, next);
            }
        }

        remove
        {
            lock (_handlerGate)
            {
                var index = Array.LastIndexOf(_messageHandlers, value);
                if (index < 0)
                {
                    return;
                }

                var next = new Func<WebSocketMessage, CancellationToken, ValueTask>[_messageHandlers.Length - 1];
                Array.Copy(_messageHandlers, 0, next, 0, index);
                Array.Copy(_messageHandlers, index + 1, next, index, _messageHandlers.Length - index - 1);
                Volatile.Write(ref _messageHandlers, next);
            }
        }
    }

    /// <summary>
    /// Creates a reader that is subscribed at once: it sees every message received from now on (and, if no other reader
    /// or handler was attached, the messages held while nobody was reading), across reconnects, until it is disposed.
    /// Creating the reader before sending a request is what makes the reply impossible to miss.
    /// </summary>
    /// <param name="options">Capacity, overflow policy and name; <see langword="null"/> takes the client-wide defaults (<see cref="ReceiveOptions"/>).</param>
    /// <returns>The reader. Dispose it when done: an undisposed reader under <see cref="OverflowPolicy.Wait"/> that is never read eventually holds the socket back.</returns>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <example>
    /// <code>
    /// using var replies = client.CreateReader(new ReaderOptions { Name = "replies" });
    /// await client.SendTextAsync("{\"op\":\"get\"}");
    /// await foreach (var message in replies.ReadAllAsync(cancellationToken)) { /* ... */ }
    /// </code>
    /// </example>
    public WebSocketMessageReader CreateReader(ReaderOptions? options = null) => CreateReaderCore(options);

    /// <summary>
    /// Streams every message received, across reconnects, until the client stops (the stream ends) or faults (the stream
    /// throws <see cref="ResilientWebSocketException"/> with the cause). A reader (<see cref="CreateReader(ReaderOptions)"/>) with the
    /// client-wide defaults is created when enumeration starts (the first <c>MoveNextAsync</c>) and disposed when it ends.
    /// If no other reader or handler was attached, it first yields the messages held while nobody was reading, so
    /// <c>await client.SendTextAsync(request); await foreach (var m in client.ReadAllAsync())</c> does not miss the reply.
    /// With other readers already attached, create the reader first (<see cref="CreateReader(ReaderOptions)"/>).
    /// </summary>
    /// <param name="cancellationToken">Ends the enumeration with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The message stream.</returns>
    /// <exception cref="ObjectDisposedException">The client was disposed (thrown by the first <c>MoveNextAsync</c>).</exception>
    public IAsyncEnumerable<WebSocketMessage> ReadAllAsync(CancellationToken cancellationToken = default) => ReadAllCoreAsync(null, cancellationToken);

    /// <summary>As <see cref="ReadAllAsync(CancellationToken)"/>, with this reader's own capacity, overflow policy and name.</summary>
    /// <param name="options">The reader's settings.</param>
    /// <param name="cancellationToken">Ends the enumeration with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The message stream.</returns>
    public IAsyncEnumerable<WebSocketMessage> ReadAllAsync(ReaderOptions options, CancellationToken cancellationToken = default)
    {
        Guard.NotNull(options);
        options.Validate();
        return ReadAllCoreAsync(options, cancellationToken);
    }

    private async IAsyncEnumerable<WebSocketMessage> ReadAllCoreAsync(ReaderOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = CreateReaderCore(options);
        await foreach (var message in reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return message;
        }
    }

    /// <summary>
    /// Waits until the client is <see cref="ConnectionState.Open"/>: at once if it is, otherwise until the next
    /// connection opens (the first, or the one after a drop).
    /// </summary>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns>A task that completes when the client is open.</returns>
    /// <exception cref="ResilientWebSocketException">The client stopped, faulted or was disposed before it was open again.</exception>
    public Task WaitUntilOpenAsync(CancellationToken cancellationToken = default)
    {
        var signal = Volatile.Read(ref _openSignal);
        return signal.Task.IsCompleted || !cancellationToken.CanBeCanceled ? signal.Task : TaskHelpers.WaitAsync(signal.Task, cancellationToken);
    }

    /// <summary>Gets a value indicating whether the receive loop is waiting for the application (a full reader, a slow handler).</summary>
    internal bool IsReceivePaused => Volatile.Read(ref _current)?.Monitor?.IsPaused ?? false;

    /// <summary>Gets how many received messages are held for the next reader (none was attached when they arrived).</summary>
    internal int UnclaimedCount => _readers.UnclaimedCount;

    private WebSocketMessageReader CreateReaderCore(ReaderOptions? options)
    {
        ThrowIfDisposed();
        return new WebSocketMessageReader(_readers, _readers.Subscribe(options));
    }


    /// <summary>Gets a value indicating whether the open connection's reader holds a pooled buffer (for tests of idle memory).</summary>
    internal bool HoldsReceiveBuffer => Volatile.Read(ref _current)?.Reader.HoldsBuffer ?? false;

    private async Task<ConnectionEnd> ReceiveLoopAsync(ConnectionScope connection, CancellationToken stop)
    {
        // Marks this flow so a handler calling StopAsync/DisposeAsync does not wait for the loop it is running on.
        ReceiveLoopOwner.Value = this;
        var first = true;
        try
        {
            while (true)
            {
                // No token: Kill() aborts the socket, which ends a pending read just the same, and a cancellable token
                // would cost two registrations per message (the runtime's and the socket's) on the hottest path.
                var read = connection.Reader.ReadAsync(CancellationToken.None);
                if (!read.IsCompleted)
                {
                    // Nothing more to read right now: wake the readers for the batch just read, and let an idle client
                    // pin no receive memory.
                    _readers.WakeReaders();
                    _readers.RetireSlab();
                }

                var outcome = await read.ConfigureAwait(false);
                if (outcome.IsMessage)
                {
                    _metrics.MessagesReceived.Add(1, _nameTag);
                    _metrics.BytesReceived.Add(outcome.Payload.Length, _nameTag);
                    if (first && EngineIoDetector.IsOpenPacket(outcome.MessageType, outcome.Payload.Span))
                    {
                        return ConnectionEnd.WrongProtocol(EngineIoDetector.Error());
                    }

                    first = false;
                    if (_transfers is not null && outcome.MessageType == System.Net.WebSockets.WebSocketMessageType.Binary && ChunkFrameCodec.IsFrame(outcome.Payload.Span))
                    {
                        // Frames are consumed straight from the pooled buffer: no per-chunk copy.
                        connection.Monitor?.OnMessage(null);
                        _readers.WakeReaders(); // a frame's handling may wait (a sink): no reader waits behind it
                        await _transfers.OnFrameAsync(outcome.Payload, stop).ConfigureAwait(false);
                        continue;
                    }

                    if (!DeliverOrPause(connection, outcome, stop, out var pending))
                    {
                        continue; // A pong belongs to the heartbeat.
                    }

                    if (pending.IsCompletedSuccessfully)
                    {
                        _readers.Published();
                    }
                    else
                    {
                        // The application is behind (a full reader past the receive budget, or a slow handler): the
                        // link is not at fault, so the liveness clock stops until the loop reads again.
                        _readers.WakeReaders();
                        connection.Monitor?.Pause();
                        try
                        {
                            await pending.ConfigureAwait(false);
                        }
                        finally
                        {
                            connection.Monitor?.Resume();
                        }
                    }

                    continue;
                }

                if (outcome.IsClose)
                {
                    return ConnectionEnd.ServerClosed(outcome.CloseStatus, outcome.CloseDescription);
                }

                if (_transfers is not null && connection.Reader.TakeDiscardedFrame() is { } discarded)
                {
                    // An oversized chunk frame was read through: its transfer fails with TooLarge, the connection stays.
                    connection.Monitor?.OnMessage(null);
                    await _transfers.OnOversizedFrameAsync(discarded, _options.Receiving.MaxMessageSize, stop).ConfigureAwait(false);
                    continue;
                }

                Log.MessageTooLarge(_logger, _options.Receiving.MaxMessageSize);
                return ConnectionEnd.TooLarge(new MessageTooLargeException(_options.Receiving.MaxMessageSize));
            }
        }
        catch (SessionProtocolException ex)
        {
            // README session rule 8: close with 1002 and the reason; the session ends. A server that breaks the protocol
            // will do so again, so this faults the client rather than reconnecting into the same error.
            Log.SessionProtocolError(_logger, ex.Message);

            // Sent before the loop returns: the lifecycle aborts the socket next, and the peer must learn the rule.
            var close = connection.Socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.ProtocolError, Truncate(ex.Message), CancellationToken.None);
            close.Forget();
            await _time.TryWaitAsync(close, _options.CloseTimeout).ConfigureAwait(false);
            return ConnectionEnd.WrongProtocol(ex);
        }
#pragma warning disable CA1031 // Any receive failure means this connection is over; the lifecycle loop decides what next.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ConnectionEnd.Failed(ex);
        }
        finally
        {
            _readers.WakeReaders(); // whatever ended the loop, no reader sleeps on messages it was given
        }
    }

    // A close reason is at most 123 UTF-8 bytes; session errors are ASCII.
    private static string Truncate(string reason) => reason.Length <= 120 ? reason : reason.Substring(0, 120);

    /// <summary>
    /// Hands a received message to the handlers and readers. Returns <see langword="false"/> for a heartbeat pong (consumed
    /// here); otherwise <paramref name="pending"/> completes when every reader took the message.
    /// </summary>
    private bool DeliverOrPause(ConnectionScope connection, in ReadOutcome outcome, CancellationToken stop, out ValueTask pending)
    {
        // The heartbeat only looks at the message during the call, so it gets a view of the receive buffer.
        if (connection.Monitor?.OnMessage(new WebSocketMessage(outcome.MessageType, outcome.Payload)) == true)
        {
            pending = default;
            return false;
        }

        // Subscriptions and requests claim their messages first; the rest goes on to handlers and readers.
        if (_subscriptions is { } subscriptions && subscriptions.TryRoute(outcome.MessageType, outcome.Payload, _readers, out pending))
        {
            return true;
        }

        // Handlers may keep the message, so with handlers (or with only copying readers) it gets an array of its own,
        // shared by everyone; with leased readers and no handler, the payload goes to a pooled buffer and nothing is allocated.
        var handlers = Volatile.Read(ref _messageHandlers);
        if (handlers.Length == 0 && _readers.WantsPooledPayloads)
        {
            pending = _readers.PublishAsync(_readers.CreatePooledEntry(outcome.MessageType, outcome.Payload.Span), hasHandlers: false);
            return true;
        }

        var owned = outcome.Payload.IsEmpty ? Array.Empty<byte>() : outcome.Payload.ToArray();
        var entry = new InboundEntry(outcome.MessageType, owned);
        pending = handlers.Length > 0
            ? DeliverWithHandlersAsync(handlers, new WebSocketMessage(outcome.MessageType, owned), entry, stop)
            : _readers.PublishAsync(entry, hasHandlers: false);
        return true;
    }

#if NET
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
#endif
    private async ValueTask DeliverWithHandlersAsync(Func<WebSocketMessage, CancellationToken, ValueTask>[] handlers, WebSocketMessage message, InboundEntry entry, CancellationToken stop)
    {
        foreach (var handler in handlers)
        {
            try
            {
                await handler(message, stop).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // A user's handler must not take the receive loop down.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.HandlerFailed(_logger, nameof(MessageReceived), ex);
            }
        }

        await _readers.PublishAsync(entry, hasHandlers: true).ConfigureAwait(false);
    }
}
