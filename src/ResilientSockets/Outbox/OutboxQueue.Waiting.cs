using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ResilientSockets.Outbox;

/// <summary>The outbox's waiters: senders waiting for room (policy Wait), and flushes or acknowledged sends waiting for delivery.</summary>
internal sealed partial class OutboxQueue
{
    /// <summary>
    /// Completes when every entry accepted up to <paramref name="order"/> has left the outbox (a flush). With
    /// <paramref name="entry"/> (an acknowledged send), fails with <see cref="MessageNotSentException"/> if that entry
    /// left without being sent (expired or evicted).
    /// </summary>
    public Task WaitForCompletionAsync(long order, OutboxEntry? entry, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (order < LowestOutstandingOrderLocked())
            {
                return Outcome(entry) is { } dropped ? Task.FromException(dropped) : Task.CompletedTask;
            }

            if (_closed is { } closed)
            {
                return Task.FromException(closed);
            }

            var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _completionWaiters.Add((order, entry, waiter));
            return Internal.TaskHelpers.WaitAsync(waiter.Task, cancellationToken);
        }
    }

    /// <summary>The client stopped: no more appends; waits for delivery fail with <paramref name="error"/>. The store keeps every record.</summary>
    public void Close(Exception error)
    {
        List<TaskCompletionSource<bool>> waiters;
        TaskCompletionSource<bool>? room;
        lock (_gate)
        {
            _closed ??= error;
            waiters = _completionWaiters.ConvertAll(w => w.Waiter);
            _completionWaiters.Clear();
            room = _roomWaiter;
            _roomWaiter = null;
        }

        room?.TrySetException(error);
        foreach (var waiter in waiters)
        {
            waiter.TrySetException(error);
        }

        _ready.Set();
    }

    private static MessageNotSentException? Outcome(OutboxEntry? entry)
        => entry?.DropReason is { } reason
            ? new MessageNotSentException(reason, reason == MessageDropReason.Expired
                ? $"Durable message #{entry.Id} expired before it could be sent; it left the outbox."
                : $"Durable message #{entry.Id} was evicted (the outbox was full, OverflowPolicy drops); it left the outbox.")
            : null;

    private void WakeWaiters()
    {
        List<(OutboxEntry? Entry, TaskCompletionSource<bool> Waiter)>? done = null;
        TaskCompletionSource<bool>? room = null;
        lock (_gate)
        {
            var lowest = LowestOutstandingOrderLocked();
            for (var i = _completionWaiters.Count - 1; i >= 0; i--)
            {
                if (_completionWaiters[i].Order < lowest)
                {
                    (done ??= []).Add((_completionWaiters[i].Entry, _completionWaiters[i].Waiter));
                    _completionWaiters.RemoveAt(i);
                }
            }

            if (_roomWaiter is not null && HasRoomLocked(0))
            {
                room = _roomWaiter;
                _roomWaiter = null;
            }
        }

        room?.TrySetResult(true);
        if (done is not null)
        {
            foreach (var (entry, waiter) in done)
            {
                if (Outcome(entry) is { } dropped)
                {
                    waiter.TrySetException(dropped);
                }
                else
                {
                    waiter.TrySetResult(true);
                }
            }
        }
    }
}
