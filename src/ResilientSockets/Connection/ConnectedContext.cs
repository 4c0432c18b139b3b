using System;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Internal;
using ResilientSockets.Receiving;

namespace ResilientSockets;

/// <summary>
/// A connection that has just been established, handed to <see cref="ResilientWebSocketOptions.OnConnected"/>.
/// While the hook runs it is the only reader and writer of the socket; queued messages wait until it returns.
/// </summary>
public sealed class ConnectedContext
{
    private readonly WebSocket _socket;
    private readonly MessageReader _reader;
    private volatile bool _finished;

    internal ConnectedContext(WebSocket socket, MessageReader reader, bool isReconnect, int attemptNumber)
    {
        _socket = socket;
        _reader = reader;
        IsReconnect = isReconnect;
        AttemptNumber = attemptNumber;
    }

    /// <summary>Gets a value indicating whether a connection was open before (resubscribe now).</summary>
    public bool IsReconnect { get; }

    /// <summary>Gets the 1-based number of the attempt that succeeded, counted since the last stable connection.</summary>
    public int AttemptNumber { get; }

    /// <summary>Gets the subprotocol the server chose, if any.</summary>
    public string? SubProtocol => _socket.SubProtocol;

    /// <summary>Writes one message directly to the new connection, ahead of everything queued.</summary>
    /// <param name="payload">The payload; for text, UTF-8 bytes.</param>
    /// <param name="messageType">Text or binary.</param>
    /// <param name="cancellationToken">Cancels the write (and with it the attempt).</param>
    /// <returns>A task that completes when the message has been written.</returns>
    public ValueTask SendAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, CancellationToken cancellationToken = default)
    {
        EnsureActive();
        return WebSocketIo.SendAsync(_socket, payload, messageType, cancellationToken);
    }

    /// <summary>Writes one text message directly to the new connection, ahead of everything queued.</summary>
    /// <param name="text">The text.</param>
    /// <param name="cancellationToken">Cancels the write (and with it the attempt).</param>
    /// <returns>A task that completes when the message has been written.</returns>
    public async ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default)
    {
        Guard.NotNull(text);
        EnsureActive();
        var buffer = Utf8.EncodeRented(text.AsSpan(), out var length);
        try
        {
            await WebSocketIo.SendAsync(_socket, buffer.AsMemory(0, length), WebSocketMessageType.Text, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads the next whole message (an auth reply, say). Messages read here are not delivered to readers.</summary>
    /// <param name="cancellationToken">Cancels the read (and with it the attempt).</param>
    /// <returns>The message.</returns>
    /// <exception cref="ResilientWebSocketException">The server closed the connection, or sent a message over the size limit.</exception>
    public async ValueTask<WebSocketMessage> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        EnsureActive();
        var outcome = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (outcome.IsMessage)
        {
            return outcome.ToMessage();
        }

        if (outcome.IsTooLarge)
        {
            throw new MessageTooLargeException(MaxSize);
        }

        throw new ResilientWebSocketException(
            $"The server closed the connection during the on-connected hook (status {(int?)outcome.CloseStatus} '{outcome.CloseDescription}').");
    }

    internal int MaxSize { get; init; }

    internal void Finish() => _finished = true;

    private void EnsureActive()
    {
        if (_finished)
        {
            throw new InvalidOperationException("The ConnectedContext is only usable while the OnConnected hook runs; after it returns, use the client's SendAsync.");
        }
    }
}
