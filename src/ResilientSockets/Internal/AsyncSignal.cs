using System.Threading.Tasks;

namespace ResilientSockets.Internal;

/// <summary>
/// An auto-reset signal for one waiter: <see cref="Set"/> wakes the waiter, or the next wait if nobody waits. A
/// cancelled wait completes (it does not throw): the waiter re-checks its own state anyway.
/// </summary>
internal sealed class AsyncSignal
{
    private readonly object _gate = new();
    private TaskCompletionSource<bool>? _waiter;
    private bool _set;

    public void Set()
    {
        TaskCompletionSource<bool>? waiter;
        lock (_gate)
        {
            waiter = _waiter;
            _waiter = null;
            _set = waiter is null;
        }

        waiter?.TrySetResult(true);
    }

    public Task WaitAsync()
    {
        lock (_gate)
        {
            if (_set)
            {
                _set = false;
                return Task.CompletedTask;
            }

            _waiter ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            return _waiter.Task;
        }
    }
}
