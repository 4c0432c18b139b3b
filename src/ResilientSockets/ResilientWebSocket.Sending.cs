using System;
using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using ResilientSockets.Diagnostics;
using ResilientSockets.Internal;
using ResilientSockets.Sending;

namespace ResilientSockets;

public sealed partial class ResilientWebSocket
{
    private int _queuedBeforeStartLogged;

    /// <summary>
    /// Sends one message. It is queued (in order with every other send) and written once a connection is open, waiting
    /// through reconnects. The task completes when the whole frame has been written to an open socket, or fails with
    /// <see cref="MessageNotSentException"/> when it was not (queue full under <see cref="OverflowPolicy.Reject"/>, evicted,
    /// expired, client stopped or faulted), <see cref="ObjectDisposedException"/> when the client was disposed first, or
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fired before the write began.
    /// Before <see cref="StartAsync"/> a send is accepted and queued (logged once per client, event 19 QueuedBeforeStart):
    /// it stays pending until the client is started and the first connection opens; nothing connects on its own.
    /// </summary>
    /// <param name="payload">The payload; for text, UTF-8 bytes. Not copied: do not change it until the task completes.</param>
    /// <param name="messageType">Text or binary.</param>
    /// <param name="cancellationToken">Withdraws the message if it has not started to be written.</param>
    /// <returns>A task that completes when the message has been written.</returns>
    public ValueTask SendAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, CancellationToken cancellationToken = default)
        => SendAsync(payload, messageType, default, cancellationToken);

    /// <inheritdoc cref="SendAsync(ReadOnlyMemory{byte}, WebSocketMessageType, CancellationToken)"/>
    /// <param name="payload">The payload; for text, UTF-8 bytes. Not copied: do not change it until the task completes.</param>
    /// <param name="messageType">Text or binary.</param>
    /// <param name="options">Per-message settings, such as a time-to-live.</param>
    /// <param name="cancellationToken">Withdraws the message if it has not started to be written.</param>
    public ValueTask SendAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, SendOptions options, CancellationToken cancellationToken = default)
    {
        CheckMessageType(messageType);
        CheckNotAFrame(payload.Span, messageType);
        return SendCoreAsync(payload, messageType, rented: null, options, cancellationToken);
    }

    /// <summary>Sends a binary message; see <see cref="SendAsync(ReadOnlyMemory{byte}, WebSocketMessageType, CancellationToken)"/>.</summary>
    /// <param name="payload">The payload. Not copied: do not change it until the task completes.</param>
    /// <param name="cancellationToken">Withdraws the message if it has not started to be written.</param>
    /// <returns>A task that completes when the message has been written.</returns>
    public ValueTask SendBinaryAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
        => SendAsync(payload, WebSocketMessageType.Binary, default, cancellationToken);

    /// <summary>Sends a text message (encoded to UTF-8 into a pooled buffer); see <see cref="SendAsync(ReadOnlyMemory{byte}, WebSocketMessageType, CancellationToken)"/>.</summary>
    /// <remarks>
    /// Called before <see cref="StartAsync"/>, the message is queued and the task stays pending until the client has been
    /// started and a connection is open; the first such send per client is logged (event 19, QueuedBeforeStart).
    /// </remarks>
    /// <param name="text">The text.</param>
    /// <param name="cancellationToken">Withdraws the message if it has not started to be written.</param>
    /// <returns>A task that completes when the message has been written.</returns>
    public ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default)
        => SendTextAsync(Guard.NotNull(text).AsMemory(), default, cancellationToken);

    /// <inheritdoc cref="SendTextAsync(string, CancellationToken)"/>
    /// <param name="text">The text.</param>
    /// <param name="options">Per-message settings: a time-to-live, waiting for the server's acknowledgement.</param>
    /// <param name="cancellationToken">Withdraws the message if it has not started to be written.</param>
    public ValueTask SendTextAsync(string text, SendOptions options, CancellationToken cancellationToken = default)
        => SendTextAsync(Guard.NotNull(text).AsMemory(), options, cancellationToken);

    /// <inheritdoc cref="SendTextAsync(string, CancellationToken)"/>
    public ValueTask SendTextAsync(ReadOnlyMemory<char> text, CancellationToken cancellationToken = default)
        => SendTextAsync(text, default, cancellationToken);

    /// <inheritdoc cref="SendTextAsync(string, CancellationToken)"/>
    /// <param name="text">The text.</param>
    /// <param name="options">Per-message settings, such as a time-to-live.</param>
    /// <param name="cancellationToken">Withdraws the message if it has not started to be written.</param>
    public ValueTask SendTextAsync(ReadOnlyMemory<char> text, SendOptions options, CancellationToken cancellationToken = default)
    {
        var buffer = Utf8.EncodeRented(text.Span, out var length);
        return SendCoreAsync(buffer.AsMemory(0, length), WebSocketMessageType.Text, buffer, options, cancellationToken);
    }

    /// <summary>Serializes <paramref name="value"/> with System.Text.Json (source-generated metadata) and sends it as a text message.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="value">The value.</param>
    /// <param name="typeInfo">Metadata from a <c>JsonSerializerContext</c>; trimming- and AOT-safe.</param>
    /// <param name="cancellationToken">Withdraws the message if it has not started to be written.</param>
    /// <returns>A task that completes when the message has been written.</returns>
    public ValueTask SendJsonAsync<T>(T value, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default)
    {
        Guard.NotNull(typeInfo);
        var writer = new PooledBufferWriter();
        try
        {
            using (var json = new Utf8JsonWriter(writer))
            {
                JsonSerializer.Serialize(json, value, typeInfo);
            }

            var buffer = writer.Detach(out var length);
            return SendCoreAsync(buffer.AsMemory(0, length), WebSocketMessageType.Text, buffer, default, cancellationToken);
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>Serializes <paramref name="value"/> with System.Text.Json (reflection) and sends it as a text message.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="value">The value.</param>
    /// <param name="options">Serializer options; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Withdraws the message if it has not started to be written.</param>
    /// <returns>A task that completes when the message has been written.</returns>
#if NET
    [RequiresUnreferencedCode("Reflection-based JSON serialization; use the JsonTypeInfo<T> overload for trimming and AOT.")]
    [RequiresDynamicCode("Reflection-based JSON serialization; use the JsonTypeInfo<T> overload for trimming and AOT.")]
#endif
    public ValueTask SendJsonAsync<T>(T value, JsonSerializerOptions? options = null, CancellationToken cancellationToken = default)
        => SendJsonAsync(value, (JsonTypeInfo<T>)(options ?? JsonSerializerOptions.Default).GetTypeInfo(typeof(T)), cancellationToken);

    /// <summary>
    /// Queues a message without waiting: the payload is copied into a pooled buffer, so the caller may reuse it at once.
    /// Returns <see langword="false"/> when the message was not accepted (queue full under <see cref="OverflowPolicy.Reject"/>
    /// or <see cref="OverflowPolicy.Wait"/>, client stopped, faulted or disposed). An accepted message that is later
    /// dropped or expires raises <see cref="MessageDropped"/>.
    /// </summary>
    /// <param name="payload">The payload; for text, UTF-8 bytes.</param>
    /// <param name="messageType">Text or binary.</param>
    /// <param name="options">Per-message settings, such as a time-to-live.</param>
    /// <returns><see langword="true"/> if the message was queued.</returns>
    public bool TryPost(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, SendOptions options = default)
    {
        CheckMessageType(messageType);
        CheckNotAFrame(payload.Span, messageType);
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(1, payload.Length));
        payload.CopyTo(rented);
        return TryPostCore(new OutboundMessage(rented.AsMemory(0, payload.Length), messageType, rented), options);
    }

    /// <summary>Queues a text message without waiting; see <see cref="TryPost(ReadOnlyMemory{byte}, WebSocketMessageType, SendOptions)"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="options">Per-message settings, such as a time-to-live.</param>
    /// <returns><see langword="true"/> if the message was queued.</returns>
    public bool TryPostText(string text, SendOptions options = default)
    {
        var buffer = Utf8.EncodeRented(Guard.NotNull(text).AsSpan(), out var length);
        return TryPostCore(new OutboundMessage(buffer.AsMemory(0, length), WebSocketMessageType.Text, buffer), options);
    }

    /// <summary>The one way a frame reaches the socket outside the send loop (heartbeat pings): under the write lock.</summary>
    private async ValueTask WriteAsync(ConnectionScope connection, ReadOnlyMemory<byte> payload, WebSocketMessageType messageType)
    {
        await connection.WriteLock.WaitAsync(connection.AbortToken).ConfigureAwait(false);
        try
        {
            await WriteLockedAsync(connection, payload, messageType).ConfigureAwait(false);
        }
        finally
        {
            connection.WriteLock.Release();
        }
    }

    /// <summary>Writes one frame; the caller holds the write lock. The stuck-send watchdog is armed only if the write does not finish at once.</summary>
    private static ValueTask WriteLockedAsync(ConnectionScope connection, ReadOnlyMemory<byte> payload, WebSocketMessageType messageType)
    {
        var write = WriteFrame(connection, payload, messageType);
        return write.IsCompletedSuccessfully ? default : AwaitWithWatchdogAsync(connection, write);
    }

    // Taken whenever a write does not finish at once (large frames, a full socket buffer): pooled, so that is free too.
#if NET
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
#endif
    private static async ValueTask AwaitWithWatchdogAsync(ConnectionScope connection, ValueTask write)
    {
        connection.ArmSendWatchdog();
        try
        {
            await write.ConfigureAwait(false);
        }
        finally
        {
            connection.DisarmSendWatchdog();
        }
    }

    /// <summary>
    /// Every data frame goes through here. No cancellation token on purpose: a failed write must mean the frame did not
    /// fully reach the kernel, because the caller's message is then sent again on the next connection. With a token,
    /// the runtime flushes with that token after a successful write, so a Kill() landing in between reports a frame
    /// already on the wire as cancelled, and the server would see it twice. Kill() aborts the socket, which fails a
    /// pending write just the same; and the token-less call takes the runtime's cheaper non-cancelable path.
    /// </summary>
    private static ValueTask WriteFrame(ConnectionScope connection, ReadOnlyMemory<byte> payload, WebSocketMessageType messageType)
        => WebSocketIo.SendAsync(connection.Socket, payload, messageType, CancellationToken.None);

    private void OnWritten(int length)
    {
        _metrics.MessagesSent.Add(1, _nameTag);
        _metrics.BytesSent.Add(length, _nameTag);
    }

    private void OnWriteFailed(Exception error)
    {
        _metrics.SendFailures.Add(1, _nameTag);
        Log.SendFailed(_logger, error.Message);
    }

    private void CheckNotAFrame(ReadOnlySpan<byte> payload, WebSocketMessageType messageType)
    {
        if (_transfers is not null && messageType == WebSocketMessageType.Binary && ChunkFrameCodec.IsFrame(payload))
        {
            throw new ArgumentException("With framing on, a binary message that starts with the frame magic (0x52 0x53) would be read as a chunk frame. Use SendTransferAsync, or change the message's first bytes.", nameof(payload));
        }
    }

    private bool PostFrame(ReadOnlyMemory<byte> frame)
    {
        var rented = ArrayPool<byte>.Shared.Rent(frame.Length);
        frame.CopyTo(rented);
        return TryPostCore(new OutboundMessage(rented.AsMemory(0, frame.Length), WebSocketMessageType.Binary, rented), default);
    }

    private ValueTask SendFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
        => SendWrittenAsync(frame, WebSocketMessageType.Binary, rented: null, default, cancellationToken);

    private static void CheckMessageType(WebSocketMessageType messageType)
    {
        if (messageType is not (WebSocketMessageType.Text or WebSocketMessageType.Binary))
        {
            throw new ArgumentOutOfRangeException(nameof(messageType), messageType, "Only Text and Binary messages can be sent; use StopAsync to close.");
        }
    }

    private bool TryPostCore(OutboundMessage message, SendOptions options)
    {
        if (IsDisposed)
        {
            message.TryFail(new ObjectDisposedException(nameof(ResilientWebSocket)));
            return false;
        }

        message.Arm(CancellationToken.None, options.TimeToLive ?? _options.Sending.DefaultTimeToLive, _time, _onExpired);
        switch (_queue.TryEnqueue(message))
        {
            case EnqueueResult.Enqueued:
                NoteIfNotStarted();
                return true;
            case EnqueueResult.Full:
                if (message.TryFail(new MessageNotSentException(MessageDropReason.QueueFull, "The send queue is full.")))
                {
                    OnOutboundDropped(message, MessageDropReason.QueueFull);
                }

                return false;
            default:
                message.TryFail(_queue.ClosedError);
                return false;
        }
    }

    /// <summary>The application's sends: durable through the outbox when there is one, else queued (or written directly).</summary>
    private ValueTask SendCoreAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, byte[]? rented, SendOptions options, CancellationToken cancellationToken)
        => _outbox is { } outbox && !options.Transient ? SendDurableAsync(outbox, payload, messageType, rented, options, cancellationToken)
        : options.WaitForAcknowledgement
            ? SendAcknowledgedAsync(payload, messageType, rented, options, cancellationToken)
            : SendWrittenAsync(payload, messageType, rented, options, cancellationToken);

    /// <summary>Completes when the frame has been written: directly when the link is free, else through the queue.</summary>
    private ValueTask SendWrittenAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, byte[]? rented, SendOptions options, CancellationToken cancellationToken)
    {
        if (!IsDisposed && !cancellationToken.IsCancellationRequested && TryWriteDirect(payload, messageType, rented, out var pending))
        {
            return pending;
        }

        return EnqueueAsync(OutboundMessagePool.Rent(payload, messageType, rented), options, cancellationToken);
    }

    private ValueTask EnqueueAsync(OutboundMessage message, SendOptions options, CancellationToken cancellationToken)
    {
        // Every early exit below fails the message before it reaches the queue, so the queue's ownership ends there too;
        // the ValueTask is taken first because the caller may read the result, and release its side, at once.
        if (IsDisposed)
        {
            return NotQueued(message, new ObjectDisposedException(nameof(ResilientWebSocket)));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return NotQueued(message, new OperationCanceledException(cancellationToken));
        }

        message.Arm(cancellationToken, options.TimeToLive ?? _options.Sending.DefaultTimeToLive, _time, _onExpired);
        var pending = message.AsValueTask();
        switch (_queue.TryEnqueue(message))
        {
            case EnqueueResult.Enqueued:
                NoteIfNotStarted();
                return pending;
            case EnqueueResult.Closed:
                return NotQueued(message, _queue.ClosedError);
            default:
                if (_queue.Policy == OverflowPolicy.Wait)
                {
                    return EnqueueWhenRoomAsync(message, cancellationToken);
                }

                if (message.TryFail(new MessageNotSentException(MessageDropReason.QueueFull, $"The send queue is full ({_options.Sending.Capacity} messages) and the overflow policy is Reject.")))
                {
                    OnOutboundDropped(message, MessageDropReason.QueueFull);
                }

                message.ReleaseFromQueue();
                return pending;
        }
    }

    /// <summary>A send before StartAsync waits silently until the client starts; say so once, so a forgotten start is visible.</summary>
    private void NoteIfNotStarted()
    {
        if (Volatile.Read(ref _queuedBeforeStartLogged) == 0 && _state.State == ConnectionState.Idle && Interlocked.Exchange(ref _queuedBeforeStartLogged, 1) == 0)
        {
            using (Log.BeginClientScope(_logger, _options.Name))
            {
                Log.QueuedBeforeStart(_logger);
            }
        }
    }

    private static ValueTask NotQueued(OutboundMessage message, Exception error)
    {
        var pending = message.AsValueTask();
        message.TryFail(error);
        message.ReleaseFromQueue();
        return pending;
    }

    private async ValueTask EnqueueWhenRoomAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        var pending = message.AsValueTask();
        try
        {
            await _queue.EnqueueWaitingAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            message.TryFail(_queue.ClosedError);
            message.ReleaseFromQueue();
        }
        catch (OperationCanceledException)
        {
            message.TryFail(new OperationCanceledException(cancellationToken));
            message.ReleaseFromQueue();
        }

        await pending.ConfigureAwait(false);
    }
}
