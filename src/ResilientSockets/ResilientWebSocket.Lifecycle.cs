using System;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Polly.Timeout;
using ResilientSockets.Connection;
using ResilientSockets.Diagnostics;
using ResilientSockets.Heartbeat;
using ResilientSockets.Internal;
using ResilientSockets.Reconnect;
using ResilientSockets.Sessions;

namespace ResilientSockets;

public sealed partial class ResilientWebSocket
{
    // Consecutive failed attempts since the last stable connection; a connection closed before MinUptime counts as one.
    // Only the lifecycle loop and the pipeline callbacks it awaits touch it, one at a time.
    private int _failures;
    private ConnectionScope? _current;
    private bool _hasBeenOpen;
    private long _lastRoundTripTicks = -1;

    /// <summary>Gets the round-trip time of the most recent heartbeat ping/pong, or <see langword="null"/> before the first pong.</summary>
    public TimeSpan? LastRoundTripTime => Volatile.Read(ref _lastRoundTripTicks) is var ticks and >= 0 ? TimeSpan.FromTicks(ticks) : null;

    private async Task RunAsync()
    {
        using var scope = Log.BeginClientScope(_logger, _options.Name);
        var stop = _stopCts.Token;
        Exception? fault = null;
        ConnectionEnd? terminalEnd = null;
        var isReconnect = false;
        TimeSpan? backoff = null;
        try
        {
            await PrepareOutboxAsync().ConfigureAwait(false);
            while (!stop.IsCancellationRequested)
            {
                // Paused, or offline: no attempt and no timer until resumed or the network is back.
                await _control.WaitWhileHeldAsync(stop).ConfigureAwait(false);
                ConnectionScope connection;
                var cycle = _control.BeginCycle(stop);
                try
                {
                    if (backoff is { } wait)
                    {
                        backoff = null;
                        Log.ReconnectScheduled(_logger, (long)wait.TotalMilliseconds);
                        await _time.DelayAsync(wait, cycle.Token).ConfigureAwait(false);
                    }

                    // Built per connect cycle rather than held: an open connection needs no pipeline, and thousands
                    // of idle clients would each keep about a kilobyte of strategy objects alive.
                    var pipeline = !isReconnect && _options.Reconnect.FailFastOnStart ? BuildTimeoutOnlyPipeline() : _options.Reconnect.Pipeline ?? BuildDefaultPipeline();
                    connection = await pipeline.ExecuteAsync(
                        static (state, ct) => state.Self.ConnectAttemptAsync(state.IsReconnect, ct),
                        (Self: this, IsReconnect: isReconnect),
                        cycle.Token).ConfigureAwait(false);
                }
                catch (Exception) when (!stop.IsCancellationRequested && cycle.IsCancellationRequested)
                {
                    // Reconnect now, a lost network or a pause cut the wait (for a pause, also the attempt) short.
                    continue;
                }
                catch (TimeoutRejectedException ex) when (!stop.IsCancellationRequested)
                {
                    fault = new WebSocketConnectException($"The connection attempt did not complete within ConnectTimeout ({_options.Reconnect.ConnectTimeout}). Is the server overloaded, or a proxy holding the upgrade request?", ex, isTransient: true);
                    break;
                }
                catch (Exception ex) when (!stop.IsCancellationRequested)
                {
                    fault = ex;
                    break;
                }
                finally
                {
                    _control.EndCycle(cycle);
                }

                isReconnect = true;
                var end = await RunConnectionAsync(connection, stop).ConfigureAwait(false);
                if (stop.IsCancellationRequested)
                {
                    break;
                }

                if (end.IsPause || _control.IsPaused)
                {
                    // A close the application asked for is no failure, and resuming must not wait out a backoff.
                    if (end.Uptime >= _options.Reconnect.MinUptime)
                    {
                        _failures = 0;
                    }

                    continue;
                }

                if (end.IsTerminal)
                {
                    terminalEnd = end;
                    fault = end.Cause ?? new ServerClosedException(end.CloseStatus, end.CloseDescription);
                    break;
                }

                TimeSpan delay;
                if (end.Uptime >= _options.Reconnect.MinUptime)
                {
                    _failures = 0;
                    delay = Backoff.AfterStableConnection(_options.Reconnect.Delay, Jitter.NextDouble());
                }
                else
                {
                    _failures++;
                    if (_options.Reconnect.Pipeline is null && _options.Reconnect.MaxAttempts is { } max && _failures >= max)
                    {
                        fault = new WebSocketConnectException(
                            $"Gave up after {_failures} attempts: each connection closed within MinUptime ({_options.Reconnect.MinUptime}). Last cause: {Describe(end.Cause, end)}",
                            end.Cause,
                            isTransient: false);
                        break;
                    }

                    delay = Backoff.AfterFailure(_failures, _options.Reconnect.Delay, _options.Reconnect.MaxDelay, Jitter.NextDouble());
                }

                backoff = delay;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // The loop must always reach a final state; anything unexpected becomes the fault.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            fault = ex;
        }

        _control.Complete();
        DetachConnectivity();
        await FinishAsync(stop.IsCancellationRequested ? null : fault, terminalEnd).ConfigureAwait(false);
    }

    private async Task<ConnectionEnd> RunConnectionAsync(ConnectionScope connection, CancellationToken stop)
    {
        // Taken before the state opens, so a pause right after it is seen even if a resume follows at once.
        var pause = _control.PauseRequested;
        if (!_state.TryTransition(ConnectionState.Connecting, ConnectionState.Open))
        {
            // Stop (or a pause) won the race with the handshake.
            connection.Socket.Abort();
            connection.Dispose();
            return ConnectionEnd.Stopped;
        }

        if (_hasBeenOpen)
        {
            _metrics.Reconnects.Add(1, _nameTag);
            _transfers?.OnReconnected();
        }

        _hasBeenOpen = true;
        Volatile.Write(ref _current, connection);
        _firstOpen.TrySetResult(true);

        if (HeartbeatMonitor.IsNeeded(_options.Heartbeat))
        {
            connection.Monitor = new HeartbeatMonitor(
                _options.Heartbeat,
                _time,
                connection.Socket is SessionWebSocket sessionLink
                    ? (_, _) => sessionLink.SendPingAsync((ulong)_time.GetTimestamp()).AsTask() // a session pings with PING frames, never replayed
                    : (ping, ct) => WriteAsync(connection, ping.Data, ping.MessageType).AsTask(),
                connection.Kill,
                rtt =>
                {
                    Volatile.Write(ref _lastRoundTripTicks, rtt.Ticks);
                    _metrics.HeartbeatRoundTrip.Record(rtt.TotalSeconds, _nameTag);
                },
                connection.AbortToken);
            if (connection.Socket is SessionWebSocket pongs)
            {
                pongs.OnPong = connection.Monitor.OnPongFrame;
            }
        }

        var receive = ReceiveLoopAsync(connection, stop);
        connection.ReceiveLoopTask = receive;
        var send = Task.Run(() => SendLoopAsync(connection));
        var liveness = connection.Monitor?.RunAsync() ?? Task.CompletedTask;
        var first = await Task.WhenAny(receive, send, _stopRequested.Task, pause).ConfigureAwait(false);

        // The send loop also ends without an error when a stop closes the queue, which can win the race with the stop signal.
        var stopping = first == _stopRequested.Task || (first == send && send.Result is null);
        ConnectionEnd end;
        if (stopping || first == pause)
        {
            // Pausing closes as cleanly as stopping (the app is going to the background), but keeps the queue and the readers.
            var pausing = !stopping;
            // A pause closes with 1001 (going away): in a session, 1000 would end the session (rule 7), and a paused
            // app expects to resume it.
            // A stop with durable messages still in the outbox keeps the session too (1001): the next start on the same
            // store resumes it, so messages the server has but has not acknowledged yet are not delivered twice.
            var keepSession = !pausing && _checkpoint is not null && OutboxCount > 0;
            await CloseAsync(
                connection,
                pausing || keepSession ? WebSocketCloseStatus.EndpointUnavailable : WebSocketCloseStatus.NormalClosure,
                pausing ? "Client paused" : keepSession ? "Client stopping; its session resumes on the next start" : "Client stopping",
                send).ConfigureAwait(false);
            await receive.ConfigureAwait(false);
            if (!pausing && !keepSession)
            {
                await ForgetEndedSessionAsync().ConfigureAwait(false);
            }

            end = pausing ? ConnectionEnd.Paused : ConnectionEnd.Stopped;
        }
        else if (first == send)
        {
            // A write failed: the link is gone. Its message is already parked at the head of the queue.
            connection.Kill();
            var received = await receive.ConfigureAwait(false);
            end = ConnectionEnd.Failed(await send.ConfigureAwait(false) ?? received.Cause);
        }
        else
        {
            end = await receive.ConfigureAwait(false);
            if (end.IsTooLarge)
            {
                await CloseAsync(connection, WebSocketCloseStatus.MessageTooBig, "Message too big", send).ConfigureAwait(false);
            }
            else if (connection.Socket.State == WebSocketState.CloseReceived)
            {
                await CloseAsync(connection, end.CloseStatus ?? WebSocketCloseStatus.NormalClosure, end.CloseDescription, send).ConfigureAwait(false);
            }
            else
            {
                connection.Kill();
            }
        }

        await send.ConfigureAwait(false);
        connection.Kill();
        Volatile.Write(ref _current, null);

        // Direct writers on this connection fail fast now that it is aborted; wait for them before disposing it.
        await connection.WriteLock.WaitAsync().ConfigureAwait(false);
        await liveness.ConfigureAwait(false);
        end = end.WithUptime(_time.GetElapsedTime(connection.OpenedAt));
        if (connection.KillCause is { } killCause && !stop.IsCancellationRequested)
        {
            end = ConnectionEnd.Failed(killCause).WithUptime(end.Uptime);
        }

        if (end.Cause is Outbox.OutboxStoreException && !stop.IsCancellationRequested)
        {
            // The outbox could not save what a restart needs (whichever write found out): retrying a full or broken
            // disk is not going to help by itself, so the client faults with the store's error.
            end = end.AsTerminal();
        }
        connection.Dispose();

        if (!stop.IsCancellationRequested && !end.IsTerminal && NotWebSocketDetector.Diagnose(end.Cause) is { } notWebSocket)
        {
            end = ConnectionEnd.WrongProtocol(notWebSocket).WithUptime(end.Uptime);
        }

        if (stop.IsCancellationRequested || end.IsTerminal || end.IsPause)
        {
            return end;
        }

        if (end.CloseStatus is not null || end.IsServerClose)
        {
            Log.ServerClosed(_logger, end.CloseStatus, end.CloseDescription);
            if (_options.Reconnect.ShouldStopOnClose is { } shouldStop && SafeShouldStop(shouldStop, end))
            {
                return end.AsTerminal();
            }
        }
        else
        {
            Log.ConnectionLost(_logger, (long)end.Uptime.TotalMilliseconds, Describe(end.Cause, end));
        }

        _state.TryTransition(ConnectionState.Open, ConnectionState.Reconnecting, end.Cause, end.CloseStatus, end.CloseDescription);
        return end;
    }

    private bool SafeShouldStop(Func<WebSocketCloseStatus?, string?, bool> shouldStop, ConnectionEnd end)
    {
        try
        {
            return shouldStop(end.CloseStatus, end.CloseDescription);
        }
#pragma warning disable CA1031 // A throwing predicate must not kill the loop; reconnecting is the safe answer.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.HandlerFailed(_logger, nameof(ReconnectOptions.ShouldStopOnClose), ex);
            return false;
        }
    }

    /// <summary>Stops the send loop between messages, sends our close frame and waits for the server's, all within CloseTimeout.</summary>
    private async Task CloseAsync(ConnectionScope connection, WebSocketCloseStatus status, string? description, Task sendLoop)
    {
        connection.StopSending();
        var timeout = _options.CloseTimeout;
        var deadline = _time.GetTimestamp();
        if (!await _time.TryWaitAsync(sendLoop, timeout).ConfigureAwait(false))
        {
            Log.CloseTimedOut(_logger, (long)timeout.TotalMilliseconds);
            connection.Kill();
            return;
        }

        var remaining = timeout - _time.GetElapsedTime(deadline);
        using var cts = _time.CreateTimeoutSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.FromMilliseconds(1));
        using var link = CancellationTokenSource.CreateLinkedTokenSource(cts.Token, connection.AbortToken);
        var locked = false;
        try
        {
            // The close frame must not interleave with a direct write in progress.
            await connection.WriteLock.WaitAsync(link.Token).ConfigureAwait(false);
            locked = true;
            var socket = connection.Socket;
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(status, description, link.Token).ConfigureAwait(false);
            }

            if (socket.State == WebSocketState.CloseSent)
            {
                // The receive loop may have ended already (server close, oversize); then wait for the reply here.
                if (!connection.ReceiveLoopRunning)
                {
                    await connection.Reader.DrainUntilCloseAsync(link.Token).ConfigureAwait(false);
                }
                else if (!await _time.TryWaitAsync(connection.ReceiveLoopTask!, remaining).ConfigureAwait(false))
                {
                    Log.CloseTimedOut(_logger, (long)timeout.TotalMilliseconds);
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            Log.CloseTimedOut(_logger, (long)timeout.TotalMilliseconds);
        }
#pragma warning disable CA1031 // The link may die during the close handshake; the connection is being discarded anyway.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
        finally
        {
            if (locked)
            {
                connection.WriteLock.Release();
            }

            connection.Kill();
        }
    }

    private void AbortCurrentConnection() => Volatile.Read(ref _current)?.Kill();

    private static string Describe(Exception? cause, ConnectionEnd end)
        => cause is not null ? $"{cause.GetType().Name}: {cause.Message}"
            : end.CloseStatus is { } status ? $"closed by server ({(int)status} '{end.CloseDescription}')"
            : "the connection ended";
}
