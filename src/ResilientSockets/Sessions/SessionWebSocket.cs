using System;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Internal;

namespace ResilientSockets.Sessions;

/// <summary>
/// One connection of a session, seen by the rest of the client as a plain <see cref="WebSocket"/>: sends become DATA
/// frames kept for replay, receives yield application payloads in order and exactly once, and ACK, PING and PONG frames
/// are handled underneath. A reconnect makes a new instance over the same <see cref="SessionState"/>.
/// </summary>
internal sealed partial class SessionWebSocket : WebSocket
{
    private readonly WebSocket _inner;
    private readonly SessionState _state;
    private readonly ReliableSessionOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly byte[] _header = new byte[SessionFrameCodec.WelcomeSize];
    private readonly byte[] _controlOut = new byte[SessionFrameCodec.HeaderSize];
    private readonly ITimer _ackTimer;
    private readonly object _ackGate = new();
    private bool _inPayload;
    private WebSocketMessageType _payloadType;
    private ulong _payloadSequence;
    private int _unacknowledgedIn;
    private bool _ackTimerArmed;
    private bool _ackWriting;
    private ulong _pongValue;
    private bool _pongPending;

    public SessionWebSocket(WebSocket inner, SessionState state, ReliableSessionOptions options, TimeProvider time)
    {
        _inner = inner;
        _state = state;
        _options = options;
        _time = time;
        _ackTimer = time.CreateTimer(static s => ((SessionWebSocket)s!).FlushAck(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Gets or sets what runs when a PONG arrives (the heartbeat's liveness proof).</summary>
    public Action? OnPong { get; set; }

    /// <summary>Gets a value indicating whether the handshake resumed the session (rather than starting one).</summary>
    public bool Resumed { get; private set; }

    /// <summary>Gets the server's last received sequence from a resuming WELCOME.</summary>
    public ulong ServerReceived { get; private set; }

    /// <summary>Gets how many DATA frames the handshake replayed.</summary>
    public int Replayed { get; private set; }

    /// <summary>Gets how many duplicate DATA frames were dropped on this connection.</summary>
    public int DuplicatesDropped { get; private set; }

    public override WebSocketCloseStatus? CloseStatus => _inner.CloseStatus;

    public override string? CloseStatusDescription => _inner.CloseStatusDescription;

    public override WebSocketState State => _inner.State;

    public override string? SubProtocol => _inner.SubProtocol;

    public override void Abort() => _inner.Abort();

    public override async Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        await CloseOutputAsync(closeStatus, statusDescription, cancellationToken).ConfigureAwait(false);
        await _inner.CloseAsync(closeStatus, statusDescription, cancellationToken).ConfigureAwait(false);
    }

    public override async Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        if (closeStatus == WebSocketCloseStatus.NormalClosure)
        {
            _state.MarkEnded(); // rule 7: a close 1000 ends the session on both sides
        }

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _inner.CloseOutputAsync(closeStatus, statusDescription, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public override void Dispose()
    {
        _ackTimer.Dispose();
        _inner.Dispose();
    }

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
        => SendDataAsync(buffer.AsMemory(), messageType, endOfMessage, 0).AsTask();

    public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        var (count, type, end, closeStatus, closeDescription) = await ReceiveCoreAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
        return type == WebSocketMessageType.Close
            ? new WebSocketReceiveResult(0, type, true, closeStatus, closeDescription)
            : new WebSocketReceiveResult(count, type, end);
    }

#if NET
    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
        => SendDataAsync(buffer, messageType, endOfMessage, 0);

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var (count, type, end, _, _) = await ReceiveCoreAsync(buffer, cancellationToken).ConfigureAwait(false);
        return new ValueWebSocketReceiveResult(count, type, end);
    }
#endif

    /// <summary>Writes one durable message: its outbox id is kept with the frame (so the ack removes it from the store) and mapped in the checkpoint.</summary>
    public ValueTask SendDurableAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, long outboxId)
        => SendDataAsync(payload, messageType, true, outboxId);

    /// <summary>Writes a PING (the heartbeat, in a session).</summary>
    public ValueTask SendPingAsync(ulong counter) => WriteControlAsync(SessionFrameKind.Ping, counter);

    /// <summary>
    /// One application message: a sequence and a kept copy, then the write. If the write fails the copy is withdrawn, so
    /// the client's own queue sends the message again (with the same sequence) on the next connection.
    /// </summary>
#if NET
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
#endif
    private async ValueTask SendDataAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, bool endOfMessage, long outboxId)
    {
        if (!endOfMessage)
        {
            throw new NotSupportedException("A session sends whole messages only.");
        }

        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_state.Checkpoint is { } checkpoint)
            {
                // Persisted before the frame can reach the server, or a restart could not tell what it carried.
                await checkpoint.BeforeDataAsync(outboxId, _state.NextSequence).ConfigureAwait(false);
            }

            var (sequence, frame) = _state.Keep(payload.Span, messageType == WebSocketMessageType.Text, outboxId);
            try
            {
                await WebSocketIo.SendAsync(_inner, frame, WebSocketMessageType.Binary, CancellationToken.None).ConfigureAwait(false);
            }
            catch
            {
                _state.Unkeep(sequence);
                _state.Checkpoint?.Withdraw(outboxId, sequence);
                throw;
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

#if NET
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
#endif
    private async ValueTask WriteControlAsync(SessionFrameKind kind, ulong value)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            SessionFrameCodec.WriteControl(_controlOut, kind, value);
            await WebSocketIo.SendAsync(_inner, _controlOut, WebSocketMessageType.Binary, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
