using System;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Heartbeat;
using ResilientSockets.Receiving;

namespace ResilientSockets;

public sealed partial class ResilientWebSocket
{
    /// <summary>Everything that belongs to one ClientWebSocket; a reconnect makes a new one rather than resetting fields.</summary>
    private sealed class ConnectionScope : IDisposable
    {
        private readonly CancellationTokenSource _abort = new();
        private readonly CancellationTokenSource _stopSending = new();
        private readonly ITimer? _sendWatchdog;
        private readonly TimeSpan _sendTimeout;
        private Exception? _killCause;
        private int _killed;

        public ConnectionScope(WebSocket socket, MessageReader reader, long openedAt, TimeProvider time, TimeSpan? sendTimeout)
        {
            Socket = socket;
            Reader = reader;
            OpenedAt = openedAt;
            if (sendTimeout is { } limit)
            {
                _sendTimeout = limit;
                _sendWatchdog = time.CreateTimer(
                    static s => ((ConnectionScope)s!).Kill(new ConnectionTimeoutException(ConnectionTimeoutKind.Send, ((ConnectionScope)s!)._sendTimeout)),
                    this,
                    Timeout.InfiniteTimeSpan,
                    Timeout.InfiniteTimeSpan);
            }
        }

        /// <summary>Serializes frame writes: the send loop and heartbeat pings share the socket's one writer slot.</summary>
        public SemaphoreSlim WriteLock { get; } = new(1, 1);

        public HeartbeatMonitor? Monitor { get; set; }

        /// <summary>Gets why the connection was killed by a liveness check, if it was.</summary>
        public Exception? KillCause => Volatile.Read(ref _killCause);

        public bool IsKilled => Volatile.Read(ref _killed) == 1;

        public void ArmSendWatchdog() => _sendWatchdog?.Change(_sendTimeout, Timeout.InfiniteTimeSpan);

        public void DisarmSendWatchdog() => _sendWatchdog?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        /// <summary>Aborts the link and records why, so the reconnect carries the real cause rather than "aborted".</summary>
        public void Kill(Exception cause)
        {
            Interlocked.CompareExchange(ref _killCause, cause, null);
            Kill();
        }

        public WebSocket Socket { get; }

        public MessageReader Reader { get; }

        public long OpenedAt { get; }

        public CancellationToken AbortToken => _abort.Token;

        public CancellationToken StopSendingToken => _stopSending.Token;

        public Task? ReceiveLoopTask { get; set; }

        public bool ReceiveLoopRunning => ReceiveLoopTask is { IsCompleted: false };

        public void StopSending()
        {
            try
            {
                _stopSending.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        /// <summary>Aborts the socket: every pending read and write fails at once.</summary>
        public void Kill()
        {
            if (Interlocked.Exchange(ref _killed, 1) == 1)
            {
                return;
            }

            try
            {
                _stopSending.Cancel();
                _abort.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }

            Socket.Abort();
        }

        public void Dispose()
        {
            Kill();
            _sendWatchdog?.Dispose();
            WriteLock.Dispose();
            Socket.Dispose();
            Reader.Dispose();
            _abort.Dispose();
            _stopSending.Dispose();
        }
    }
}
