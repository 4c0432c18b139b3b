using System;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using ResilientSockets.Server.Diagnostics;
using ResilientSockets.Server.Internal;

namespace ResilientSockets.Server;

// The protocol side of a session (README rules 1-8), driven by its connections. Every field below is guarded by _gate;
// nothing awaits while holding it. Only the attached connection (_connection) may change the session: a replaced or
// dropped connection's late calls are ignored.
public sealed partial class ResilientSession
{
    private const int MaxPendingPongs = 16;

    private readonly SemaphoreSlim _attachGate = new(1, 1);
    private ResilientSessionState _state = ResilientSessionState.Detached;
    private ResilientSessionEndReason _endReason;
    private ResilientSessionEndedException? _ended;
    private SessionConnection? _connection;
    private ulong _lastSent;        // highest sequence assigned by SendAsync
    private ulong _acked;           // highest sequence the client acknowledged; _replay holds _acked+1.._lastSent
    private ulong _highestCollected; // highest sequence handed to a connection's writer: the most the client can ack
    private ulong _delivered;       // highest client sequence put into _inbound
    private long _unacknowledgedBytes;
    private int _pendingAcks;
    private bool _ackNeeded;
    private Queue<ulong>? _pongs;
    private ITimer? _ackTimer;
    private ITimer? _expiryTimer;
    private long _detachGeneration;
    private TaskCompletionSource? _spaceAvailable;
    private TaskCompletionSource? _ackProgress;
    private long _replayed;
    private int _resumes;

    private ServerMetrics Metrics => _endpoint.Metrics;

    /// <summary>
    /// Makes <paramref name="connection"/> the session's connection: aborts and waits out the one it replaces, applies
    /// HELLO's <c>last received</c> as an ACK, and queues WELCOME followed by the replay on the new connection.
    /// </summary>
    /// <returns><see langword="false"/> when the session ended meanwhile (the caller answers <c>lost</c>).</returns>
    /// <exception cref="SessionRuleException">HELLO's <c>last received</c> is above what was ever sent (the session ends).</exception>
    internal async Task<bool> AttachAsync(SessionConnection connection, ulong lastReceived, bool resumed, bool lost)
    {
        await _attachGate.WaitAsync().ConfigureAwait(false);
        try
        {
            SessionConnection? previous;
            lock (_gate)
            {
                if (_state == ResilientSessionState.Ended)
                {
                    return false;
                }

                previous = _connection;
                _connection = null;
            }

            if (previous is not null)
            {
                Log.ConnectionReplaced(_endpoint.Logger, Id);
                previous.Abort();
                await previous.Stopped.ConfigureAwait(false);
            }

            long replayCount;
            lock (_gate)
            {
                if (_state == ResilientSessionState.Ended)
                {
                    return false;
                }

                if (resumed)
                {
                    if (lastReceived > _highestCollected)
                    {
                        throw new SessionRuleException($"HELLO last received {lastReceived} is above the highest sequence sent, {_highestCollected} (rule 8).");
                    }

                    if (lastReceived > _acked)
                    {
                        AcknowledgeLocked(lastReceived);
                    }

                    _resumes++;
                }

                if (_expiryTimer is not null)
                {
                    _expiryTimer.Dispose();
                    _expiryTimer = null;
                    Metrics.Detached.Add(-1);
                }

                replayCount = (long)(_highestCollected - _acked);
                _pendingAcks = 0;
                _ackNeeded = false;
                _ackTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _pongs?.Clear();
                connection.PrepareWelcome(Id, resumed, lost, _delivered, _options.ResumeWindow, _acked + 1, _highestCollected);
                _connection = connection;
                _state = ResilientSessionState.Attached;
            }

            if (resumed)
            {
                Metrics.Resumes.Add(1);
                Log.SessionResumed(_endpoint.Logger, Id, replayCount, lastReceived);
            }

            connection.Wake();
            return true;
        }
        finally
        {
            _attachGate.Release();
        }
    }

    internal bool IsAttachedTo(SessionConnection connection)
    {
        lock (_gate)
        {
            return _connection == connection;
        }
    }

    /// <summary>The connection dropped (or closed with a status other than 1000): keep the session for the resume window.</summary>
    internal void Detach(SessionConnection connection, string reason)
    {
        lock (_gate)
        {
            if (_connection != connection || _state != ResilientSessionState.Attached)
            {
                return;
            }

            _connection = null;
            _state = ResilientSessionState.Detached;
            _pendingAcks = 0;
            _ackNeeded = false;
            _ackTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            var generation = ++_detachGeneration;
            _expiryTimer = _endpoint.TimeProvider.CreateTimer(
                static state => ((ResilientSession)((object[])state!)[0]).OnResumeWindowElapsed((long)((object[])state!)[1]),
                new object[] { this, generation },
                _options.ResumeWindow,
                Timeout.InfiniteTimeSpan);
            Metrics.Detached.Add(1);
        }

        Log.SessionDetached(_endpoint.Logger, Id, reason, (long)_options.ResumeWindow.TotalMilliseconds);
    }

    /// <summary>Hands the writer of <paramref name="connection"/> everything it should write now, in order.</summary>
    internal void Collect(SessionConnection connection, List<OutgoingFrame> output)
    {
        lock (_gate)
        {
            if (_connection != connection)
            {
                return;
            }

            if (connection.TakeWelcome() is { } welcome)
            {
                output.Add(new OutgoingFrame(welcome));
            }

            while (_pongs is { Count: > 0 })
            {
                output.Add(new OutgoingFrame(SessionFrameKind.Pong, _pongs.Dequeue()));
            }

            if (_ackNeeded)
            {
                output.Add(new OutgoingFrame(SessionFrameKind.Ack, _delivered));
                _ackNeeded = false;
                _pendingAcks = 0;
                _ackTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }

            var next = Math.Max(connection.NextToWrite, _acked + 1);
            long replays = 0;
            for (var sequence = next; sequence <= _lastSent; sequence++)
            {
                output.Add(new OutgoingFrame(_replay[(int)(sequence - _acked - 1)]));
                if (sequence <= connection.ReplayThrough)
                {
                    replays++;
                }
            }

            connection.NextToWrite = Math.Max(next, _lastSent + 1);
            _highestCollected = Math.Max(_highestCollected, _lastSent);
            if (replays > 0)
            {
                _replayed += replays;
                Metrics.Replayed.Add(replays);
            }
        }
    }

    /// <summary>README rule 2: deliver the next DATA, drop (but acknowledge) a duplicate, refuse a gap.</summary>
    internal async ValueTask OnDataAsync(SessionConnection connection, ulong sequence, bool isText, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_connection != connection)
            {
                return;
            }

            if (sequence <= _delivered)
            {
                _pendingAcks++;
                ScheduleAckLocked();
                return;
            }

            if (sequence != _delivered + 1)
            {
                throw new SessionRuleException($"DATA sequence {sequence} after {_delivered}: a gap (rule 2).");
            }
        }

        var message = isText
            ? WebSocketMessage.FromText(Encoding.UTF8.GetString(payload.Span))
            : WebSocketMessage.FromBinary(payload.ToArray());
        if (!_inbound.Writer.TryWrite(message))
        {
            try
            {
                await _inbound.Writer.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                return; // the session ended meanwhile
            }
        }

        lock (_gate)
        {
            // Delivered is delivered, even if the connection was replaced while the handler was slow to read: the
            // replacing attach waits for this connection to stop before it reads _delivered.
            _delivered = sequence;
            if (_connection == connection)
            {
                _pendingAcks++;
                ScheduleAckLocked();
            }
        }
    }

    /// <summary>README rule 3: a cumulative ACK from the client.</summary>
    internal void OnAck(SessionConnection connection, ulong value)
    {
        lock (_gate)
        {
            if (_connection != connection || value <= _acked)
            {
                return; // stale: ignored
            }

            if (value > _highestCollected)
            {
                throw new SessionRuleException($"ACK {value} is above the highest sequence sent, {_highestCollected} (rule 3).");
            }

            AcknowledgeLocked(value);
        }
    }

    /// <summary>README rule 5: answer a PING with a PONG (a flood keeps only the latest few).</summary>
    internal void OnPing(SessionConnection connection, ulong value)
    {
        lock (_gate)
        {
            if (_connection != connection)
            {
                return;
            }

            _pongs ??= new Queue<ulong>();
            if (_pongs.Count == MaxPendingPongs)
            {
                _pongs.Dequeue();
            }

            _pongs.Enqueue(value);
        }

        connection.Wake();
    }

    /// <summary>Ends the session (idempotent): the store forgets it, readers and senders learn why, the connection closes.</summary>
    /// <param name="reason">Why.</param>
    /// <param name="detail">Added to the exception readers and senders get.</param>
    /// <param name="closeStatus">The close the attached connection sends; <see langword="null"/>: abort it.</param>
    /// <param name="closeDescription">The close frame's reason.</param>
    /// <param name="detachGeneration">For the resume window's timer: end only if the session is still in that detachment.</param>
    internal void End(ResilientSessionEndReason reason, string? detail, WebSocketCloseStatus? closeStatus, string? closeDescription, long? detachGeneration = null)
    {
        SessionConnection? connection;
        ResilientSessionEndedException ended;
        lock (_gate)
        {
            if (_state == ResilientSessionState.Ended
                || (detachGeneration is { } generation && (_state != ResilientSessionState.Detached || generation != _detachGeneration)))
            {
                return;
            }

            _state = ResilientSessionState.Ended;
            _endReason = reason;
            ended = _ended = new ResilientSessionEndedException(Id, reason, _replay.Count, detail);
            connection = _connection;
            _connection = null;
            if (_expiryTimer is not null)
            {
                _expiryTimer.Dispose();
                _expiryTimer = null;
                Metrics.Detached.Add(-1);
            }

            _ackTimer?.Dispose();
            Metrics.UnacknowledgedMessages.Add(-_replay.Count);
            Metrics.UnacknowledgedBytes.Add(-_unacknowledgedBytes);
            _replay.Clear();
            _unacknowledgedBytes = 0;
            _spaceAvailable?.TrySetResult();
            _ackProgress?.TrySetResult();
        }

        _inbound.Writer.TryComplete(ended.IsLost ? ended : null);
        if (connection is not null)
        {
            if (closeStatus is { } status)
            {
                connection.RequestClose(status, closeDescription ?? string.Empty);
            }
            else
            {
                connection.Abort();
            }
        }

        if (ended.IsLost)
        {
            Metrics.RecordLost(reason);
            Log.SessionLost(_endpoint.Logger, Id, reason, ended.UnacknowledgedMessages);
            _lost.Cancel();
        }
        else
        {
            Log.SessionClosed(_endpoint.Logger, Id, reason);
        }

        _endpoint.OnSessionEnded(this);
        _completion.TrySetResult();
    }

    private async ValueTask EnqueueAsync(byte[] frame, bool isText, CancellationToken cancellationToken)
    {
        await _sendGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var payloadLength = frame.Length - SessionFrameCodec.HeaderSize;
            while (true)
            {
                Task? spaceAvailable = null;
                SessionConnection? connection = null;
                lock (_gate)
                {
                    ThrowIfEndedLocked();
                    if (_replay.Count < _options.MaxUnacknowledgedMessages
                        && (_replay.Count == 0 || _unacknowledgedBytes + payloadLength <= _options.MaxUnacknowledgedBytes))
                    {
                        SessionFrameCodec.WriteDataHeader(frame, ++_lastSent, isText);
                        _replay.Add(frame);
                        _unacknowledgedBytes += payloadLength;
                        Metrics.UnacknowledgedMessages.Add(1);
                        Metrics.UnacknowledgedBytes.Add(payloadLength);
                        connection = _connection;
                    }
                    else
                    {
                        spaceAvailable = (_spaceAvailable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                    }
                }

                if (spaceAvailable is null)
                {
                    connection?.Wake();
                    return;
                }

                await spaceAvailable.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _sendGate.Release();
        }
    }

    private void AcknowledgeLocked(ulong value)
    {
        var count = (int)(value - _acked);
        var bytes = _replay.RemoveOldest(count) - ((long)count * SessionFrameCodec.HeaderSize);
        _acked = value;
        _unacknowledgedBytes -= bytes;
        Metrics.UnacknowledgedMessages.Add(-count);
        Metrics.UnacknowledgedBytes.Add(-bytes);
        _spaceAvailable?.TrySetResult();
        _spaceAvailable = null;
        _ackProgress?.TrySetResult();
        _ackProgress = null;
    }

    private void ScheduleAckLocked()
    {
        if (_pendingAcks >= _options.AckEvery || _options.AckDelay == TimeSpan.Zero)
        {
            _ackNeeded = true;
            _connection?.Wake();
        }
        else if (_pendingAcks == 1)
        {
            _ackTimer ??= _endpoint.TimeProvider.CreateTimer(
                static state => ((ResilientSession)state!).OnAckDelayElapsed(),
                this,
                Timeout.InfiniteTimeSpan,
                Timeout.InfiniteTimeSpan);
            _ackTimer.Change(_options.AckDelay, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnAckDelayElapsed()
    {
        lock (_gate)
        {
            if (_pendingAcks > 0 && _connection is not null)
            {
                _ackNeeded = true;
                _connection.Wake();
            }
        }
    }

    private void OnResumeWindowElapsed(long generation) =>
        End(ResilientSessionEndReason.Expired, $"not resumed within {_options.ResumeWindow}", closeStatus: null, closeDescription: null, detachGeneration: generation);

    private void ThrowIfEndedLocked()
    {
        if (_ended is not null)
        {
            throw _ended;
        }
    }
}
