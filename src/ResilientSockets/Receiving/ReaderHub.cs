using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace ResilientSockets.Receiving;

/// <summary>Fan-out: every reader has its own bounded buffer and sees every message from the moment it subscribed.</summary>
internal sealed class ReaderHub
{
    private readonly object _gate = new();
    private readonly ReceiveOptions _options;
    private readonly Action<WebSocketMessage> _onDropped;
    private Channel<WebSocketMessage>[] _readers = [];
    private bool _completed;
    private Exception? _completionError;

    public ReaderHub(ReceiveOptions options, Action<WebSocketMessage> onDropped)
    {
        _options = options;
        _onDropped = onDropped;
    }

    public int Count => Volatile.Read(ref _readers).Length;

    public Channel<WebSocketMessage> Subscribe()
    {
        var channel = Channel.CreateBounded<WebSocketMessage>(
            new BoundedChannelOptions(_options.ReaderCapacity)
            {
                SingleReader = true,
                SingleWriter = true,
                AllowSynchronousContinuations = false,
                FullMode = _options.ReaderOverflowPolicy switch
                {
                    OverflowPolicy.DropOldest => BoundedChannelFullMode.DropOldest,
                    OverflowPolicy.DropNewest => BoundedChannelFullMode.DropNewest,
                    OverflowPolicy.Reject => BoundedChannelFullMode.DropWrite,
                    _ => BoundedChannelFullMode.Wait,
                },
            },
            _onDropped);

        lock (_gate)
        {
            if (_completed)
            {
                channel.Writer.TryComplete(_completionError);
                return channel;
            }

            var next = new Channel<WebSocketMessage>[_readers.Length + 1];
            _readers.CopyTo(next, 0);
            next[^1] = channel;
            Volatile.Write(ref _readers, next);
        }

        return channel;
    }

    public void Unsubscribe(Channel<WebSocketMessage> channel)
    {
        lock (_gate)
        {
            var index = Array.IndexOf(_readers, channel);
            if (index >= 0)
            {
                var next = new Channel<WebSocketMessage>[_readers.Length - 1];
                Array.Copy(_readers, 0, next, 0, index);
                Array.Copy(_readers, index + 1, next, index, _readers.Length - index - 1);
                Volatile.Write(ref _readers, next);
            }
        }

        channel.Writer.TryComplete();
    }

    public ValueTask PublishAsync(WebSocketMessage message, CancellationToken cancellationToken)
    {
        var readers = Volatile.Read(ref _readers);
        for (var i = 0; i < readers.Length; i++)
        {
            if (!readers[i].Writer.TryWrite(message))
            {
                return PublishSlowAsync(readers, i, message, cancellationToken);
            }
        }

        return default;
    }

    /// <summary>Ends every reader: normally on stop, with <paramref name="error"/> when the client faulted.</summary>
    public void CompleteAll(Exception? error)
    {
        Channel<WebSocketMessage>[] readers;
        lock (_gate)
        {
            _completed = true;
            _completionError = error;
            readers = _readers;
            Volatile.Write(ref _readers, []);
        }

        foreach (var reader in readers)
        {
            reader.Writer.TryComplete(error);
        }
    }

    // A reader slower than the link makes this the steady path, so its state machine is pooled.
#if NET
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
#endif
    private static async ValueTask PublishSlowAsync(Channel<WebSocketMessage>[] readers, int from, WebSocketMessage message, CancellationToken cancellationToken)
    {
        for (var i = from; i < readers.Length; i++)
        {
            if (readers[i].Writer.TryWrite(message))
            {
                continue;
            }

            try
            {
                await readers[i].Writer.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                // That reader left while we waited for room; the others still get the message.
            }
        }
    }
}
