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
    /// <summary>
    /// Raised for every received message, awaited in order on the receive loop before the message goes to readers.
    /// A handler that throws is logged and the loop carries on. Keep handlers short: while one runs, nothing else is received.
    /// </summary>
    public event Func<WebSocketMessage, CancellationToken, ValueTask>? MessageReceived;

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

    private async Task<ConnectionEnd> ReceiveLoopAsync(ConnectionScope connection, CancellationToken stop)
    {
        // Marks this flow so a handler calling StopAsync/DisposeAsync does not wait for the loop it is running on.
        ReceiveLoopOwner.Value = this;
        var first = true;
        try
        {
            while (true)
            {
                var outcome = await connection.Reader.ReadAsync(connection.AbortToken).ConfigureAwait(false);
                if (outcome.Message is { } message)
                {
                    _metrics.MessagesReceived.Add(1, _nameTag);
                    _metrics.BytesReceived.Add(message.Data.Length, _nameTag);
                    if (first && EngineIoDetector.IsOpenPacket(message))
                    {
                        return ConnectionEnd.WrongProtocol(EngineIoDetector.Error());
                    }

                    first = false;
                    if (connection.Monitor?.OnMessage(message) == true)
                    {
                        continue; // A pong belongs to the heartbeat.
                    }

                    if (_transfers is not null && message.MessageType == System.Net.WebSockets.WebSocketMessageType.Binary && ChunkFrameCodec.IsFrame(message.Data.Span))
                    {
                        await _transfers.OnFrameAsync(message.Data, stop).ConfigureAwait(false);
                        continue;
                    }

                    await DeliverAsync(message, stop).ConfigureAwait(false);
                    continue;
                }

                if (outcome.IsClose)
                {
                    return ConnectionEnd.ServerClosed(outcome.CloseStatus, outcome.CloseDescription);
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

    private async ValueTask DeliverAsync(WebSocketMessage message, CancellationToken stop)
    {
        var handlers = MessageReceived;
        if (handlers is not null)
        {
            foreach (var handler in handlers.GetInvocationList())
            {
                try
                {
                    await ((Func<WebSocketMessage, CancellationToken, ValueTask>)handler)(message, stop).ConfigureAwait(false);
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
