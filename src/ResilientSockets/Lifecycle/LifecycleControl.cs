using System;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Connection;
using ResilientSockets.Internal;

namespace ResilientSockets.Lifecycle;

/// <summary>
/// The inputs that hold or hurry the reconnect loop: the application's pause, the network's reachability, and
/// "reconnect now". The loop asks it whether it may make an attempt; the inputs interrupt the loop's current wait.
/// </summary>
/// <remarks>
/// A "cycle" is one stretch of waiting and attempting between two connections: the backoff wait, then the pipeline
/// with its own retry delays. Its token is cancelled to cut a wait short (reconnect now, offline) or, for a pause, to
/// abandon an attempt in flight as well. One lock orders these inputs against the loop's decisions; it is taken before
/// the state machine's lock, never after, and tokens are cancelled outside it because cancellation runs continuations.
/// </remarks>
internal sealed class LifecycleControl
{
    private readonly object _gate = new();
    private readonly ConnectionStateMachine _state;
    private bool _paused;
    private bool _offline;
    private bool _forceAttempt;
    private bool _wakePending;
    private bool _inAttempt;
    private bool _completed;
    private CancellationTokenSource? _cycle;
    private TaskCompletionSource<bool> _released = NewSignal();
    private TaskCompletionSource<bool> _pauseRequested = NewSignal();
    private TaskCompletionSource<bool> _pausedQuiet = NewSignal();
    private TaskCompletionSource<bool> _holding = NewSignal();

    public LifecycleControl(ConnectionStateMachine state) => _state = state;

    /// <summary>Gets a value indicating whether the application has paused the client.</summary>
    public bool IsPaused => Volatile.Read(ref _paused);

    /// <summary>Gets a value indicating whether the connectivity source last reported the network as lost.</summary>
    public bool IsOffline => Volatile.Read(ref _offline);

    /// <summary>Gets a task that completes when a pause is requested while the current connection runs.</summary>
    public Task PauseRequested
    {
        get
        {
            lock (_gate)
            {
                return _pauseRequested.Task;
            }
        }
    }

    /// <summary>Gets a task that completes when the loop is resting in a hold (paused or offline); renewed when the hold ends.</summary>
    public Task Holding
    {
        get
        {
            lock (_gate)
            {
                return _holding.Task;
            }
        }
    }

    private bool IsHeldLocked => _paused || (_offline && !_forceAttempt);

    /// <summary>Waits, without any timer, while the client is paused or offline; returns at once otherwise.</summary>
    public async Task WaitWhileHeldAsync(CancellationToken stop)
    {
        while (true)
        {
            Task released;
            lock (_gate)
            {
                if (!IsHeldLocked)
                {
                    return;
                }

                released = _released.Task;
                _pausedQuiet.TrySetResult(true);
                _holding.TrySetResult(true);
                if (!_paused)
                {
                    // Offline before the first attempt: say so, rather than sit in Connecting with nothing in flight.
                    _state.TryTransition(ConnectionState.Connecting, ConnectionState.Reconnecting, NetworkUnavailable());
                }
            }

            await TaskHelpers.WaitAsync(released, stop).ConfigureAwait(false);
        }
    }

    /// <summary>Starts a cycle of waiting and attempting; its token is linked to <paramref name="stop"/>.</summary>
    public CancellationTokenSource BeginCycle(CancellationToken stop)
    {
        var cycle = CancellationTokenSource.CreateLinkedTokenSource(stop);
        bool wake;
        lock (_gate)
        {
            _cycle = cycle;
            wake = _wakePending || IsHeldLocked;
            _wakePending = false;
        }

        if (wake)
        {
            Cancel(cycle);
        }

        return cycle;
    }

    public void EndCycle(CancellationTokenSource cycle)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_cycle, cycle))
            {
                _cycle = null;
            }
        }

        cycle.Dispose();
    }

    /// <summary>
    /// Admits one connection attempt (moving <c>Reconnecting</c> to <c>Connecting</c>) unless the cycle was interrupted
    /// or the client is held; then the cycle is interrupted and the caller throws, and no attempt is counted.
    /// </summary>
    public bool TryEnterAttempt(CancellationToken cycleToken)
    {
        CancellationTokenSource? interrupt = null;
        lock (_gate)
        {
            if (!cycleToken.IsCancellationRequested && !IsHeldLocked)
            {
                _inAttempt = true;
                _forceAttempt = false;
                _wakePending = false;
                _state.TryTransition(ConnectionState.Reconnecting, ConnectionState.Connecting);
                return true;
            }

            interrupt = _cycle;
        }

        Cancel(interrupt);
        return false;
    }

    /// <summary>Ends an attempt; a failed one made while the network went away interrupts the cycle so no retry is scheduled.</summary>
    public void ExitAttempt(bool failed)
    {
        CancellationTokenSource? interrupt = null;
        lock (_gate)
        {
            _inAttempt = false;
            if (failed && IsHeldLocked)
            {
                interrupt = _cycle;
            }
        }

        Cancel(interrupt);
    }

    /// <summary>Moves an active client to <c>Paused</c> and interrupts whatever it is doing.</summary>
    /// <returns>A task that completes when the loop has come to rest (connection closed, nothing running), or null if there was nothing to pause.</returns>
    /// <exception cref="InvalidOperationException">The client was never started.</exception>
    public Task? Pause()
    {
        CancellationTokenSource? interrupt;
        Task quiet;
        lock (_gate)
        {
            var left = _state.TryTransition(static s => s switch
            {
                ConnectionState.Connecting or ConnectionState.Open or ConnectionState.Reconnecting => ConnectionState.Paused,
                _ => null,
            });
            if (left is null)
            {
                if (_state.State == ConnectionState.Idle)
                {
                    throw new InvalidOperationException("PauseAsync was called on a client that was never started: call StartAsync first (or simply start it later).");
                }

                return _paused ? _pausedQuiet.Task : null;
            }

            _paused = true;
            _forceAttempt = false;
            _wakePending = false;
            _pausedQuiet = NewSignal();
            quiet = _pausedQuiet.Task;
            _pauseRequested.TrySetResult(true);
            interrupt = _cycle;
        }

        Cancel(interrupt);
        return quiet;
    }

    /// <summary>Ends a pause: the client moves to <c>Reconnecting</c> and attempts at once (or waits for the network).</summary>
    /// <returns><see langword="true"/> if the client was paused.</returns>
    public bool Resume()
    {
        lock (_gate)
        {
            if (!_paused || _completed)
            {
                return false;
            }

            _paused = false;
            _pausedQuiet.TrySetResult(true);
            _pauseRequested = NewSignal();
            ReleaseLocked();

            // False when a stop has already moved the client on: there is nothing left to resume.
            return _state.TryTransition(ConnectionState.Paused, ConnectionState.Reconnecting);
        }
    }

    /// <summary>Cuts the current wait short so the next attempt starts at once; does nothing unless the client is waiting to reconnect.</summary>
    /// <returns><see langword="true"/> if a wait was cut short (or a wait for the network overridden).</returns>
    public bool ReconnectNow()
    {
        CancellationTokenSource? interrupt = null;
        lock (_gate)
        {
            if (_completed || _paused || _inAttempt || _state.State != ConnectionState.Reconnecting)
            {
                return false;
            }

            if (_offline)
            {
                // The application knows better than the connectivity source (which can be wrong, e.g. on Android): one attempt.
                _forceAttempt = true;
                ReleaseLocked();
            }

            if (_cycle is { } cycle)
            {
                interrupt = cycle;
            }
            else
            {
                _wakePending = true;
            }
        }

        Cancel(interrupt);
        return true;
    }

    /// <summary>Records what the connectivity source reported.</summary>
    /// <returns><see langword="true"/> if that changed anything.</returns>
    public bool SetOnline(bool online)
    {
        CancellationTokenSource? interrupt = null;
        lock (_gate)
        {
            if (_completed || _offline != online)
            {
                return false;
            }

            _offline = !online;
            if (online)
            {
                // Network back: whatever backoff the client was in is stale; try at once.
                ReleaseLocked();
                if (!_paused && !_inAttempt && _state.State == ConnectionState.Reconnecting)
                {
                    interrupt = _cycle;
                    _wakePending = _cycle is null;
                }
            }
            else
            {
                _forceAttempt = false;
                if (!_inAttempt)
                {
                    // Stop the backoff clock: no attempt, no growth, until the network is back.
                    interrupt = _cycle;
                }
            }
        }

        Cancel(interrupt);
        return true;
    }

    /// <summary>The loop has ended: wake every waiter.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            _pausedQuiet.TrySetResult(true);
            ReleaseLocked();
        }
    }

    private static WebSocketConnectException NetworkUnavailable()
        => new("The connectivity source reports no network: the client waits for it before attempting.", null, isTransient: true);

    private static TaskCompletionSource<bool> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static void Cancel(CancellationTokenSource? source)
    {
        try
        {
            source?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The cycle ended in the meantime; there is nothing left to interrupt.
        }
    }

    private void ReleaseLocked()
    {
        _released.TrySetResult(true);
        _released = NewSignal();
        if (_holding.Task.IsCompleted)
        {
            _holding = NewSignal();
        }
    }
}
