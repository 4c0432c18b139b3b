using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace ResilientSockets.Sending;

/// <summary>
/// The bounded outbound queue. Many writers, one reader (the send loop). A message whose write failed is parked in a
/// head slot and comes out first on the next connection; only the send loop (or the final drain, after it has ended)
/// touches that slot.
/// </summary>
internal sealed class SendQueue
{
    private readonly Channel<OutboundMessage> _channel;
    private readonly Action<OutboundMessage, MessageDropReason> _onDropped;
    private OutboundMessage? _head;
    private Func<Exception>? _closedError;

    public SendQueue(SendQueueOptions options, Action<OutboundMessage, MessageDropReason> onDropped)
    {
        _onDropped = onDropped;
        Policy = options.OverflowPolicy;
        var channelOptions = new BoundedChannelOptions(options.Capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
            FullMode = options.OverflowPolicy switch
            {
                OverflowPolicy.DropOldest => BoundedChannelFullMode.DropOldest,
                OverflowPolicy.DropNewest => BoundedChannelFullMode.DropNewest,
                _ => BoundedChannelFullMode.Wait,
            },
        };
        _channel = Channel.CreateBounded<OutboundMessage>(channelOptions, OnEvicted);
    }

    public OverflowPolicy Policy { get; }

    public int Count => _channel.Reader.Count + (Volatile.Read(ref _head) is null ? 0 : 1);

    public Exception ClosedError => _closedError?.Invoke() ?? new InvalidOperationException("The send queue is closed.");

    public EnqueueResult TryEnqueue(OutboundMessage message)
    {
        if (_channel.Writer.TryWrite(message))
        {
            return EnqueueResult.Enqueued;
        }

        return Volatile.Read(ref _closedError) is null ? EnqueueResult.Full : EnqueueResult.Closed;
    }

    /// <summary>Waits for room (policy Wait). Throws <see cref="ChannelClosedException"/> if the client ends meanwhile.</summary>
    public ValueTask EnqueueWaitingAsync(OutboundMessage message, CancellationToken cancellationToken)
        => _channel.Writer.WriteAsync(message, cancellationToken);

    public void Requeue(OutboundMessage message) => _head = message;

    /// <summary>Gets a value indicating whether nothing waits (checked by direct writers while they hold the write lock).</summary>
    public bool IsEmpty => Volatile.Read(ref _head) is null && _channel.Reader.Count == 0;

    /// <summary>Takes the next message without waiting; the send loop calls it while holding the connection's write lock.</summary>
    public bool TryDequeue(out OutboundMessage message)
    {
        if (Interlocked.Exchange(ref _head, null) is { } head)
        {
            message = head;
            return true;
        }

        return _channel.Reader.TryRead(out message!);
    }

    /// <summary>Waits until something can be dequeued; <see langword="false"/> once the queue is closed and empty.</summary>
    public ValueTask<bool> WaitForMessagesAsync(CancellationToken cancellationToken)
        => Volatile.Read(ref _head) is not null ? new ValueTask<bool>(true) : _channel.Reader.WaitToReadAsync(cancellationToken);

    /// <summary>Accepts nothing more; later sends fail with the error the factory makes.</summary>
    public void CompleteAdding(Func<Exception> error)
    {
        if (Interlocked.CompareExchange(ref _closedError, error, null) is null)
        {
            _channel.Writer.TryComplete();
        }
    }

    /// <summary>Fails everything still queued. Call only after the send loop has ended.</summary>
    public int FailAll()
    {
        var failed = 0;
        if (Interlocked.Exchange(ref _head, null) is { } head)
        {
            failed += head.TryFail(ClosedError) ? 1 : 0;
            head.ReleaseFromQueue();
        }

        while (_channel.Reader.TryRead(out var message))
        {
            failed += message.TryFail(ClosedError) ? 1 : 0;
            message.ReleaseFromQueue();
        }

        return failed;
    }

    private void OnEvicted(OutboundMessage message)
    {
        if (message.TryFail(new MessageNotSentException(MessageDropReason.Overflow, $"The message was dropped: the send queue was full and the overflow policy is {Policy}.")))
        {
            _onDropped(message, MessageDropReason.Overflow);
        }

        message.ReleaseFromQueue();
    }
}
