using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using ResilientSockets.Diagnostics;

namespace ResilientSockets.Connection;

/// <summary>
/// Runs user event handlers one at a time, in the order the events happened, on a loop of their own. State changes
/// are posted while the state lock is held (so order is exact) but run after it is released, and a handler that
/// calls StopAsync or DisposeAsync cannot deadlock the connection loop.
/// </summary>
internal sealed class EventDispatcher
{
    private static readonly AsyncLocal<EventDispatcher?> Current = new();

    private readonly Channel<(Action<object?> Handler, object? State, string Name)> _work =
        Channel.CreateUnbounded<(Action<object?>, object?, string)>(new UnboundedChannelOptions { SingleReader = true });

    private readonly ILogger _logger;
    private readonly Task _loop;

    public EventDispatcher(ILogger logger)
    {
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Gets a value indicating whether the caller is a handler running on this dispatcher.</summary>
    public bool IsDispatching => ReferenceEquals(Current.Value, this);

    public void Post(Action<object?> handler, object? state, string name) => _work.Writer.TryWrite((handler, state, name));

    /// <summary>No more events; the loop ends once every posted one has run.</summary>
    public void Complete() => _work.Writer.TryComplete();

    public Task Completion => _loop;

    private async Task RunAsync()
    {
        Current.Value = this;
        var reader = _work.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
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
        }
    }
}
