using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Connection;
using ResilientSockets.Diagnostics;
using ResilientSockets.Reconnect;

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
    /// Streams every message received from now on, across reconnects, until the client stops (the stream ends) or
    /// faults (the stream throws <see cref="ResilientWebSocketException"/> with the cause). Each call is an independent
    /// subscription with its own bounded buffer (<see cref="ReceiveOptions.ReaderCapacity"/>); the subscription starts
    /// when enumeration starts (the first <c>MoveNextAsync</c>) and ends when the enumerator is disposed.
    /// </summary>
    /// <param name="cancellationToken">Ends the enumeration with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The message stream.</returns>
    public async IAsyncEnumerable<WebSocketMessage> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var subscription = _readers.Subscribe();
        try
        {
            var reader = subscription.Reader;
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var message))
                {
                    yield return message;
                }
            }
        }
        finally
        {
            _readers.Unsubscribe(subscription);
        }
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
                var outcome = await connection.Reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
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
                        await _transfers.OnFrameAsync(outcome.Payload, stop).ConfigureAwait(false);
                        continue;
                    }

                    var message = outcome.ToMessage();
                    if (connection.Monitor?.OnMessage(message) == true)
                    {
                        continue; // A pong belongs to the heartbeat.
                    }

                    await DeliverAsync(message, stop).ConfigureAwait(false);
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
#pragma warning disable CA1031 // Any receive failure means this connection is over; the lifecycle loop decides what next.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ConnectionEnd.Failed(ex);
        }
    }

#if NET
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
#endif
    private async ValueTask DeliverAsync(WebSocketMessage message, CancellationToken stop)
    {
        var handlers = Volatile.Read(ref _messageHandlers);
        if (handlers.Length > 0)
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
        }

        await _readers.PublishAsync(message, stop).ConfigureAwait(false);
    }
}
