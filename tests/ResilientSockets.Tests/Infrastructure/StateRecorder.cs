namespace ResilientSockets.Tests.Infrastructure;

/// <summary>Records every state-changed event and lets a test await a given state without sleeping.</summary>
internal sealed class StateRecorder
{
    private readonly object _gate = new();
    private readonly List<ConnectionStateChangedEventArgs> _events = [];
    private readonly List<(ConnectionState State, int Occurrence, TaskCompletionSource<ConnectionStateChangedEventArgs> Signal)> _waiters = [];

    public StateRecorder(ResilientWebSocket client) => client.StateChanged += (_, e) => Record(e);

    public IReadOnlyList<ConnectionStateChangedEventArgs> Events
    {
        get
        {
            lock (_gate)
            {
                return _events.ToArray();
            }
        }
    }

    public IReadOnlyList<ConnectionState> States => Events.Select(e => e.State).ToArray();

    /// <summary>Waits for the <paramref name="occurrence"/>-th entry into <paramref name="state"/>.</summary>
    public Task<ConnectionStateChangedEventArgs> WaitForAsync(ConnectionState state, int occurrence = 1, TimeSpan? timeout = null)
    {
        var signal = new TaskCompletionSource<ConnectionStateChangedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var seen = _events.Where(e => e.State == state).ToList();
            if (seen.Count >= occurrence)
            {
                return Task.FromResult(seen[occurrence - 1]);
            }

            _waiters.Add((state, occurrence, signal));
        }

        return signal.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(15));
    }

    private void Record(ConnectionStateChangedEventArgs e)
    {
        List<TaskCompletionSource<ConnectionStateChangedEventArgs>> ready = [];
        lock (_gate)
        {
            _events.Add(e);
            var count = _events.Count(x => x.State == e.State);
            foreach (var waiter in _waiters.Where(w => w.State == e.State && w.Occurrence == count).ToList())
            {
                _waiters.Remove(waiter);
                ready.Add(waiter.Signal);
            }
        }

        foreach (var signal in ready)
        {
            signal.TrySetResult(e);
        }
    }
}
