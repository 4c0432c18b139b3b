using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace ResilientSockets.Testing;

/// <summary>One client connection accepted by a <see cref="LoopbackWebSocketServer"/>.</summary>
public sealed class ServerConnection
{
    private readonly WebSocket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ConcurrentQueue<ReceivedMessage> _received = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count;

    internal ServerConnection(int id, string path, string? query, IReadOnlyDictionary<string, string> headers, WebSocket socket)
    {
        Id = id;
        Path = path;
        Query = query;
        RequestHeaders = headers;
        _socket = socket;
    }

    /// <summary>Gets the connection's id, 1-based in order of acceptance.</summary>
    public int Id { get; }

    /// <summary>Gets the request path.</summary>
    public string Path { get; }

    /// <summary>Gets the request query string, if any.</summary>
    public string? Query { get; }

    /// <summary>Gets the HTTP version the handshake came over: <c>"HTTP/1.1"</c> (upgrade) or <c>"HTTP/2"</c> (extended CONNECT, RFC 8441).</summary>
    public string Protocol { get; internal init; } = "HTTP/1.1";

    /// <summary>Gets the id of the TCP (or TLS) connection that carries this WebSocket: WebSockets multiplexed over one HTTP/2 connection share it.</summary>
    public string TransportConnectionId { get; internal init; } = string.Empty;

    /// <summary>Gets the handshake request's headers.</summary>
    public IReadOnlyDictionary<string, string> RequestHeaders { get; }

    /// <summary>Gets the messages received on this connection so far, in order.</summary>
    public IReadOnlyList<ReceivedMessage> Received => _received.ToArray();

    /// <summary>Gets the close status the client sent, once it did.</summary>
    public WebSocketCloseStatus? ClientCloseStatus { get; internal set; }

    /// <summary>Gets a task that completes when the connection has ended, however it ended.</summary>
    public Task Completion => _closed.Task;

    /// <summary>Sends a message to the client.</summary>
    /// <param name="payload">The payload.</param>
    /// <param name="messageType">Text or binary.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes when it has been written.</returns>
    public async Task SendAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, CancellationToken cancellationToken = default)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(payload, messageType, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends a text message to the client.</summary>
    /// <param name="text">The text.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes when it has been written.</returns>
    public Task SendTextAsync(string text, CancellationToken cancellationToken = default)
        => SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, cancellationToken);

    /// <summary>Sends one message as several frames, to exercise reassembly.</summary>
    /// <param name="payload">The payload.</param>
    /// <param name="messageType">Text or binary.</param>
    /// <param name="frameSize">Bytes per frame.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes when all frames have been written.</returns>
    public async Task SendFragmentedAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, int frameSize, CancellationToken cancellationToken = default)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var offset = 0; offset < payload.Length || offset == 0; offset += frameSize)
            {
                var count = Math.Min(frameSize, payload.Length - offset);
                var last = offset + count >= payload.Length;
                await _socket.SendAsync(payload.Slice(offset, count), messageType, last, cancellationToken).ConfigureAwait(false);
                if (last)
                {
                    break;
                }
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends one frame of a message without ending it (then, say, <see cref="Abort"/> to close mid-message).</summary>
    /// <param name="payload">The frame's bytes.</param>
    /// <param name="messageType">Text or binary.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes when the frame has been written.</returns>
    public async Task SendPartialAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, CancellationToken cancellationToken = default)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(payload, messageType, endOfMessage: false, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Starts the close handshake with the given status.</summary>
    /// <param name="status">The close status.</param>
    /// <param name="description">The close description.</param>
    /// <param name="cancellationToken">Cancels the close.</param>
    /// <returns>A task that completes when the close frame has been sent.</returns>
    public async Task CloseAsync(WebSocketCloseStatus status, string? description = null, CancellationToken cancellationToken = default)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(status, description, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Drops the TCP connection without a close handshake.</summary>
    public void Abort() => _socket.Abort();

    internal WebSocket Socket => _socket;

    internal void Record(ReceivedMessage message)
    {
        _received.Enqueue(message);
        Interlocked.Increment(ref _count);
    }

    internal void Count() => Interlocked.Increment(ref _count);

    internal void MarkClosed() => _closed.TrySetResult();

    internal int ReceivedCount => Volatile.Read(ref _count);

    internal IEnumerable<ReceivedMessage> Snapshot() => _received.ToArray().AsEnumerable();
}
