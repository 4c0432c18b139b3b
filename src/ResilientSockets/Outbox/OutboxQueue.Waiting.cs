using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ResilientSockets.Outbox;

/// <summary>The outbox's waiters: senders waiting for room (policy Wait), and flushes or acknowledged sends waiting for delivery.</summary>
internal sealed partial class OutboxQueue
{
    /// <summary>Completes when every entry accepted up to <paramref name="order"/> has left the outbox.</summary>
    public Task WaitForCompletionAsync(long order, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (order < LowestOutstandingOrderLocked())
            {
                return Task.CompletedTask;
            }

            if (_closed is { } closed)
            {
                return Task.FromException(closed);
            }

            var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _completionWaiters.Add((order, waiter));
            return WaitAsync(waiter.Task, cancellationToken);
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

    private void WakeWaiters()
    {
        List<TaskCompletionSource<bool>>? done = null;
        TaskCompletionSource<bool>? room = null;
        lock (_gate)
        {
            var lowest = LowestOutstandingOrderLocked();
            for (var i = _completionWaiters.Count - 1; i >= 0; i--)
            {
                if (_completionWaiters[i].Order < lowest)
                {
                    (done ??= []).Add(_completionWaiters[i].Waiter);
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
            foreach (var waiter in done)
            {
                waiter.TrySetResult(true);
            }
        }
    }

    private static async Task WaitAsync(Task task, CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled || task.IsCompleted)
        {
            await task.ConfigureAwait(false);
            return;
        }

        var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (cancellationToken.Register(static s => ((TaskCompletionSource<bool>)s!).TrySetResult(true), cancelled))
        {
            if (await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false) != task)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }

        await task.ConfigureAwait(false);
    }
}
