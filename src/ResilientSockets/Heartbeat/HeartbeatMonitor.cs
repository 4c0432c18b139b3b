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
    private long _pingSentAt;
    private long _lastReceived;

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
    /// Returns <see langword="true"/> for a pong, which is consumed.
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

    private async Task PingLoopAsync()
    {
        long sequence = 0;
        try
        {
            while (true)
            {
                await _time.DelayAsync(_options.Interval, _connectionToken).ConfigureAwait(false);
                var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref _pingSentAt, _time.GetTimestamp());
                Volatile.Write(ref _awaitingPong, waiter);

                // The clock starts when the ping is due, not when it is written: a ping stuck behind a long write still counts.
                using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(_connectionToken);
                var timeout = _time.DelayAsync(_options.Timeout, timeoutCts.Token);
                // A failed write means the link is going down anyway; the connection token then ends this loop.
                _write(_options.PingMessage(++sequence), _connectionToken).Forget();
                var first = await Task.WhenAny(waiter.Task, timeout).ConfigureAwait(false);

                timeoutCts.Cancel();
                Volatile.Write(ref _awaitingPong, null);
                if (first != waiter.Task)
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
                if (idle >= limit)
                {
                    _declareDead(new ConnectionTimeoutException(ConnectionTimeoutKind.Receive, limit));
                    return;
                }

                await _time.DelayAsync(limit - idle, _connectionToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_connectionToken.IsCancellationRequested)
        {
        }
    }
}
