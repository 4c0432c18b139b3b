using System;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Internal;

namespace ResilientSockets.Heartbeat;

/// <summary>
/// Liveness checks for one open connection: the app-level ping/pong and the no-message watchdog. It lives exactly as
/// long as the connection (its token is the connection's abort token), so no timer outlives the link or the client.
/// </summary>
internal sealed class HeartbeatMonitor
{
    private readonly HeartbeatOptions _options;
    private readonly TimeProvider _time;
    private readonly Func<WebSocketMessage, CancellationToken, Task> _write;
    private readonly Action<Exception> _declareDead;
    private readonly Action<TimeSpan> _onRoundTrip;
    private readonly CancellationToken _connectionToken;
    private TaskCompletionSource<bool>? _awaitingPong;
    private readonly object _pauseGate = new();
    private long _pingSentAt;
    private long _lastReceived;
    private long _pausedTicks;
    private long _pausedSince;
    private bool _paused;

    public HeartbeatMonitor(
        HeartbeatOptions options,
        TimeProvider time,
        Func<WebSocketMessage, CancellationToken, Task> write,
        Action<Exception> declareDead,
        Action<TimeSpan> onRoundTrip,
        CancellationToken connectionToken)
    {
        _options = options;
        _time = time;
        _write = write;
        _declareDead = declareDead;
        _onRoundTrip = onRoundTrip;
        _connectionToken = connectionToken;
        _lastReceived = time.GetTimestamp();
    }

    public static bool IsNeeded(HeartbeatOptions options) => options.Enabled || options.ReceiveTimeout is not null;

    public Task RunAsync()
    {
        var ping = _options.Enabled ? PingLoopAsync() : Task.CompletedTask;
        var watchdog = _options.ReceiveTimeout is { } limit ? ReceiveWatchdogAsync(limit) : Task.CompletedTask;
        return Task.WhenAll(ping, watchdog);
    }

    /// <summary>
    /// Called by the receive loop for every message (<see langword="null"/> for a chunk frame, which is never a pong).
    /// Returns <see langword="true"/> for a pong, which is consumed. The message may be a view of the receive buffer,
    /// valid only during the call: it is never kept.
    /// </summary>
    public bool OnMessage(WebSocketMessage? message)
    {
        Volatile.Write(ref _lastReceived, _time.GetTimestamp());
        if (!_options.Enabled)
        {
            return false;
        }

        var isPong = message is { } received && _options.IsPong(received);
        if (Volatile.Read(ref _awaitingPong) is { } waiter && (isPong || _options.AnyMessageIsAlive))
        {
            if (isPong)
            {
                _onRoundTrip(_time.GetElapsedTime(Volatile.Read(ref _pingSentAt)));
            }

            waiter.TrySetResult(true);
        }

        return isPong;
    }

    /// <summary>
    /// The receive loop stopped reading because the application is behind (a full reader, a slow handler). Time spent
    /// paused does not count towards a pong's timeout: a pong cannot be seen while nothing reads, and the link is not
    /// at fault. A dead link is still found once reading resumes.
    /// </summary>
    public void Pause()
    {
        lock (_pauseGate)
        {
            if (!_paused)
            {
                _paused = true;
                _pausedSince = _time.GetTimestamp();
            }
        }
    }

    /// <summary>The receive loop reads again.</summary>
    public void Resume()
    {
        var now = _time.GetTimestamp();
        lock (_pauseGate)
        {
            if (_paused)
            {
                _paused = false;
                _pausedTicks += now - _pausedSince;
            }
        }

        // The no-message watchdog counts from here: nothing could arrive while nothing read.
        Volatile.Write(ref _lastReceived, now);
    }

    /// <summary>Gets a value indicating whether the receive loop is paused (for tests).</summary>
    internal bool IsPaused
    {
        get
        {
            lock (_pauseGate)
            {
                return _paused;
            }
        }
    }

    /// <summary>Gets the total time spent paused so far, as a timestamp difference.</summary>
    private long PausedTicks()
    {
        var now = _time.GetTimestamp();
        lock (_pauseGate)
        {
            return _pausedTicks + (_paused ? now - _pausedSince : 0);
        }
    }

    /// <summary>Time since <paramref name="since"/> during which the loop was reading.</summary>
    private TimeSpan ActiveSince(long since, long pausedAtSince)
        => _time.GetElapsedTime(since) - _time.GetElapsedTime(0, PausedTicks() - pausedAtSince);

    /// <summary>A session PONG frame arrived: the answer to the latest ping.</summary>
    public void OnPongFrame()
    {
        Volatile.Write(ref _lastReceived, _time.GetTimestamp());
        if (Volatile.Read(ref _awaitingPong) is { } waiter)
        {
            _onRoundTrip(_time.GetElapsedTime(Volatile.Read(ref _pingSentAt)));
            waiter.TrySetResult(true);
        }
    }

    private async Task PingLoopAsync()
    {
        long sequence = 0;
        try
        {
            while (true)
            {
                await _time.DelayAsync(_options.Interval, _connectionToken).ConfigureAwait(false);
                var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                var sentAt = _time.GetTimestamp();
                var pausedAtSend = PausedTicks();
                Volatile.Write(ref _pingSentAt, sentAt);
                Volatile.Write(ref _awaitingPong, waiter);

                // A failed write means the link is going down anyway; the connection token then ends this loop.
                _write(_options.PingMessage(++sequence), _connectionToken).Forget();

                // The clock starts when the ping is due, not when it is written: a ping stuck behind a long write still
                // counts. It runs only while the receive loop reads, so it is re-armed for the time spent paused.
                var alive = false;
                while (true)
                {
                    var remaining = _options.Timeout - ActiveSince(sentAt, pausedAtSend);
                    if (remaining <= TimeSpan.Zero)
                    {
                        alive = waiter.Task.IsCompleted;
                        break;
                    }

                    using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(_connectionToken);
                    var timeout = _time.DelayAsync(remaining, timeoutCts.Token);
                    var first = await Task.WhenAny(waiter.Task, timeout).ConfigureAwait(false);
                    timeoutCts.Cancel();
                    if (first == waiter.Task)
                    {
                        alive = true;
                        break;
                    }

                    _connectionToken.ThrowIfCancellationRequested();
                }

                Volatile.Write(ref _awaitingPong, null);
                if (!alive)
                {
                    if (!_connectionToken.IsCancellationRequested)
                    {
                        _declareDead(new ConnectionTimeoutException(ConnectionTimeoutKind.Heartbeat, _options.Timeout));
                    }

                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_connectionToken.IsCancellationRequested)
        {
        }
    }

    private async Task ReceiveWatchdogAsync(TimeSpan limit)
    {
        try
        {
            while (true)
            {
                var idle = _time.GetElapsedTime(Volatile.Read(ref _lastReceived));
                if (idle >= limit && !IsPaused)
                {
                    _declareDead(new ConnectionTimeoutException(ConnectionTimeoutKind.Receive, limit));
                    return;
                }

                await _time.DelayAsync(idle >= limit ? limit : limit - idle, _connectionToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_connectionToken.IsCancellationRequested)
        {
        }
    }
}
