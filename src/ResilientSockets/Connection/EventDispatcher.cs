using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using ResilientSockets.Diagnostics;

namespace ResilientSockets.Connection;

/// <summary>
/// Runs user event handlers one at a time, in the order the events happened, on a drain of their own. State changes
/// are posted while the state lock is held (so order is exact) but run after it is released, and a handler that
/// calls StopAsync or DisposeAsync cannot deadlock the connection loop.
/// </summary>
internal sealed class EventDispatcher
{
    private static readonly AsyncLocal<EventDispatcher?> Current = new();

    // A plain queue under a lock and a drain started on demand, rather than a channel read by a resident loop: an idle
    // client then holds no task and no queue segment (both add up over thousands of clients), and events are rare.
    private readonly object _gate = new();
    private readonly Queue<(Action<object?> Handler, object? State, string Name)> _work = new();
    private readonly TaskCompletionSource<bool> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ILogger _logger;
    private bool _draining;
    private bool _completed;

    public EventDispatcher(ILogger logger) => _logger = logger;

    /// <summary>Gets a value indicating whether the caller is a handler running on this dispatcher.</summary>
    public bool IsDispatching => ReferenceEquals(Current.Value, this);

    public void Post(Action<object?> handler, object? state, string name)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            _work.Enqueue((handler, state, name));
            if (_draining)
            {
                return;
            }

            _draining = true;
        }

        _ = Task.Run(Drain);
    }

    /// <summary>No more events; <see cref="Completion"/> ends once every posted one has run.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            if (_draining)
            {
                return; // the drain completes it when the queue is empty
            }
        }

        _completion.TrySetResult(true);
    }

    public Task Completion => _completion.Task;

    private void Drain()
    {
        Current.Value = this;
        while (true)
        {
            (Action<object?> Handler, object? State, string Name) item;
            lock (_gate)
            {
                if (_work.Count == 0)
                {
                    _draining = false;
                    if (!_completed)
                    {
                        return;
                    }

                    break;
                }

                item = _work.Dequeue();
            }

            try
            {
                item.Handler(item.State);
            }
#pragma warning disable CA1031 // A user's handler must not take the client down.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.HandlerFailed(_logger, item.Name, ex);
            }
        }

        _completion.TrySetResult(true);
    }
}
