using System;
using System.Buffers;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using ResilientSockets.Server.Diagnostics;

namespace ResilientSockets.Server.Internal;

/// <summary>
/// One WebSocket connection of a session: the HELLO handshake, the receive loop (this request's task) and the writer
/// loop (the only writer: WELCOME, replay, DATA, ACK, PONG, close). A reconnect is a new object, never a reset.
/// </summary>
internal sealed partial class SessionConnection
{
    private const int InitialBufferSize = 4096;

    private readonly WebSocket _socket;
    private readonly SessionEndpoint _endpoint;
    private readonly CancellationTokenSource _cts;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _closeGate = new();
    private ResilientSession? _session;
    private byte[] _buffer;
    private byte[]? _welcome;
    private WebSocketCloseStatus? _closeStatus;
    private string? _closeDescription;
    private volatile bool _closeRequested;
    private volatile bool _helloReceived;
    private ITimer? _closeTimer;

    public SessionConnection(WebSocket socket, SessionEndpoint endpoint, CancellationToken requestAborted)
    {
        _socket = socket;
        _endpoint = endpoint;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
    }

    /// <summary>Completes (never faults) when both loops have finished.</summary>
    public Task Stopped => _stopped.Task;

    /// <summary>The next DATA sequence this connection's writer sends (guarded by the session's lock).</summary>
    public ulong NextToWrite { get; set; }

    /// <summary>DATA up to this sequence had been written before this connection: writing it again is a replay.</summary>
    public ulong ReplayThrough { get; private set; }

    private ResilientSessionOptions Options => _endpoint.Options;

    /// <summary>Called under the session's lock while attaching, before the connection becomes the session's.</summary>
    public void PrepareWelcome(Guid sessionId, bool resumed, bool lost, ulong delivered, TimeSpan resumeWindow, ulong nextToWrite, ulong replayThrough)
    {
        var welcome = new byte[SessionFrameCodec.WelcomeSize];
        SessionFrameCodec.WriteWelcome(welcome, sessionId, resumed, lost, delivered, (uint)resumeWindow.TotalMilliseconds);
        _welcome = welcome;
        NextToWrite = nextToWrite;
        ReplayThrough = replayThrough;
    }

    /// <summary>Called under the session's lock by <see cref="ResilientSession.Collect"/>, so WELCOME precedes everything.</summary>
    public byte[]? TakeWelcome()
    {
        var welcome = _welcome;
        _welcome = null;
        return welcome;
    }

    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>Asks the writer to close with <paramref name="status"/> after what it is writing; the first request wins.</summary>
    public void RequestClose(WebSocketCloseStatus status, string description)
    {
        lock (_closeGate)
        {
            if (_closeRequested)
            {
                return;
            }

            _closeStatus = status;
            _closeDescription = CloseReasons.Fit(description);
            _closeRequested = true;
        }

        Log.Closing(_endpoint.Logger, status, description);
        Wake();
    }

    /// <summary>Drops the connection at once (replaced by a new HELLO, timed out, or the session ended without a close).</summary>
    public void Abort()
    {
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already stopped.
        }

        _socket.Abort();
    }

    /// <summary>Runs the connection to its end; called by the request that accepted the WebSocket.</summary>
    public async Task RunAsync()
    {
        var writer = WriterLoopAsync();
        var endReason = "the connection ended";
        try
        {
            endReason = await ReceiveLoopAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or System.IO.IOException or ObjectDisposedException
            or Microsoft.AspNetCore.Connections.ConnectionAbortedException)
        {
            endReason = _helloReceived ? $"connection lost: {exception.Message}" : "connection lost before HELLO";
            if (!_helloReceived && _cts.IsCancellationRequested && !_endpoint.IsStopping)
            {
                Log.HandshakeTimedOut(_endpoint.Logger, (long)Options.HandshakeTimeout.TotalMilliseconds);
            }
        }
        finally
        {
            _session?.Detach(this, endReason);
            Log.ConnectionEnded(_endpoint.Logger, endReason);
            _wake.Writer.TryComplete();
            try
            {
                await writer.WaitAsync(ResilientSessionDefaults.CloseTimeout, _endpoint.TimeProvider).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Abort();
                await writer.ConfigureAwait(false);
            }

            _closeTimer?.Dispose();
            _cts.Dispose();
            ArrayPool<byte>.Shared.Return(_buffer);
            _stopped.TrySetResult();
        }
    }

    private async Task WriterLoopAsync()
    {
        await Task.Yield();
        var frames = new System.Collections.Generic.List<OutgoingFrame>();
        var control = new byte[SessionFrameCodec.HeaderSize];
        try
        {
            while (await _wake.Reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                _wake.Reader.TryRead(out _);
                while (true)
                {
                    if (_closeRequested)
                    {
                        await CloseOutputAsync().ConfigureAwait(false);
                        return;
                    }

                    frames.Clear();
                    _session?.Collect(this, frames);
                    if (frames.Count == 0)
                    {
                        break;
                    }

                    foreach (var frame in frames)
                    {
                        var bytes = frame.Frame;
                        if (bytes is null)
                        {
                            SessionFrameCodec.WriteControl(control, frame.Kind, frame.Value);
                            bytes = control;
                        }

                        await _socket.SendAsync(bytes, WebSocketMessageType.Binary, endOfMessage: true, _cts.Token).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or System.IO.IOException or ObjectDisposedException
            or Microsoft.AspNetCore.Connections.ConnectionAbortedException)
        {
            // The link is gone; the receive loop notices too. What was not written stays in the replay buffer.
            Abort();
        }
    }

    private async Task CloseOutputAsync()
    {
        WebSocketCloseStatus status;
        string? description;
        lock (_closeGate)
        {
            status = _closeStatus!.Value;
            description = _closeDescription;
        }

        // The client answers our close with its own; if it never does, the connection is aborted after a while.
        _closeTimer = _endpoint.TimeProvider.CreateTimer(static state => ((SessionConnection)state!).Abort(), this, ResilientSessionDefaults.CloseTimeout, Timeout.InfiniteTimeSpan);
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            await _socket.CloseOutputAsync(status, status == WebSocketCloseStatus.Empty ? null : description, _cts.Token).ConfigureAwait(false);
        }
    }
}
