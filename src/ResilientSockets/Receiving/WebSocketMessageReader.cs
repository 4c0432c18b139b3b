using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Receiving;

namespace ResilientSockets;

/// <summary>
/// One reader of a <see cref="ResilientWebSocket"/>'s messages, subscribed from the moment it was created
/// (<see cref="ResilientWebSocket.CreateReader(ReaderOptions)"/>) until it is disposed, across reconnects. It has its own bounded queue
/// (capacity, overflow policy, name: <see cref="ReaderOptions"/>). When the client stops, the reader yields what it
/// still holds and then ends; when the client faults, it then throws <see cref="ResilientWebSocketException"/>.
/// </summary>
/// <remarks>
/// <para>
/// Two ways to read. <see cref="ReadAllAsync"/> and <see cref="TryRead"/> give messages you may keep for ever (each
/// payload is an array of its own). <see cref="ReadAllLeasedAsync"/> is for readers that handle a message and move on:
/// the payload lies in a pooled buffer that is valid only until the next <c>MoveNextAsync</c> (or the end of the
/// enumeration), and receiving then allocates nothing per message. Copy what you need to keep
/// (<c>message.Data.ToArray()</c>, <c>message.Text</c>).
/// </para>
/// <para>One enumeration at a time per reader. Create one reader per consumer.</para>
/// </remarks>
public sealed class WebSocketMessageReader : IAsyncDisposable, IDisposable
{
    private readonly ReaderHub _hub;
    private readonly ReaderQueue _queue;
    private readonly Action<ReaderQueue>? _onDisposed;
    private int _disposed;

    internal WebSocketMessageReader(ReaderHub hub, ReaderQueue queue, Action<ReaderQueue>? onDisposed = null)
    {
        _hub = hub;
        _queue = queue;
        _onDisposed = onDisposed;
    }

    /// <summary>Gets the reader's name (from <see cref="ReaderOptions.Name"/>, or generated).</summary>
    public string Name => _queue.Name;

    /// <summary>Gets how many messages are waiting to be read.</summary>
    public int Count => _queue.Count;

    /// <summary>Gets the reader's capacity.</summary>
    public int Capacity => _queue.Capacity;

    /// <summary>Gets the reader's overflow policy.</summary>
    public OverflowPolicy OverflowPolicy => _queue.Policy;

    internal ReaderQueue Queue => _queue;

    /// <summary>Waits until a message can be read.</summary>
    /// <param name="cancellationToken">Ends the wait with <see cref="OperationCanceledException"/>.</param>
    /// <returns><see langword="true"/> when a message is waiting; <see langword="false"/> when the reader has ended (client stopped, or this reader disposed).</returns>
    /// <exception cref="ResilientWebSocketException">The client faulted; the cause is the inner exception.</exception>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => _queue.WaitToReadAsync(cancellationToken);

    /// <summary>Takes the next waiting message, if any. The message's payload is its own (safe to keep).</summary>
    /// <param name="message">The message.</param>
    /// <returns><see langword="true"/> if a message was taken.</returns>
    public bool TryRead(out WebSocketMessage message)
    {
        if (_queue.TryDequeue(out var entry))
        {
            message = entry.Detach();
            return true;
        }

        message = default;
        return false;
    }

    /// <summary>Streams the messages; each payload is its own array, safe to keep. Ends when the reader ends.</summary>
    /// <param name="cancellationToken">Ends the enumeration with <see cref="OperationCanceledException"/>. The reader stays subscribed.</param>
    /// <returns>The message stream.</returns>
    public async IAsyncEnumerable<WebSocketMessage> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await _queue.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (_queue.TryDequeue(out var entry))
            {
                yield return entry.Detach();
            }
        }
    }

    /// <summary>
    /// Streams the messages without a copy: each payload lies in a pooled buffer that is valid only until the next
    /// <c>MoveNextAsync</c> or the end of the enumeration. Receiving then allocates nothing per message.
    /// </summary>
    /// <param name="cancellationToken">Ends the enumeration with <see cref="OperationCanceledException"/>. The reader stays subscribed.</param>
    /// <returns>The message stream.</returns>
    public async IAsyncEnumerable<WebSocketMessage> ReadAllLeasedAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        _hub.MarkLeased(_queue);
        var current = default(InboundEntry);
        try
        {
            while (await _queue.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_queue.TryDequeue(out current))
                {
                    yield return current.View();

                    // The caller moved on: the payload goes back to the pool.
                    current.Release();
                    current = default;
                }
            }
        }
        finally
        {
            current.Release();
        }
    }

    /// <summary>Unsubscribes; messages still waiting are discarded. An enumeration in progress ends.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // A subscription's consumer leaves its topic (the last one sends the unsubscribe); a plain reader leaves the fan-out.
            if (_onDisposed is { } leave)
            {
                leave(_queue);
            }
            else
            {
                _hub.Unsubscribe(_queue);
            }
        }
    }

    /// <summary>Unsubscribes; messages still waiting are discarded. An enumeration in progress ends.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return default;
    }
}
