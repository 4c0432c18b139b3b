using System;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Internal;

namespace ResilientSockets.Sessions;

internal sealed partial class SessionWebSocket
{
    /// <summary>
    /// HELLO, WELCOME, and the replay of what the server has not received (README rule 1). Returns the lost session's id
    /// and unacknowledged count when the server no longer had the session this client had.
    /// </summary>
    /// <exception cref="WebSocketConnectException">The server did not negotiate the session subprotocol.</exception>
    /// <exception cref="SessionProtocolException">The server's answer broke the wire format.</exception>
    public async Task<(Guid LostId, int Unacknowledged)?> HandshakeAsync(CancellationToken cancellationToken)
    {
        if (!string.Equals(_inner.SubProtocol, SessionFrameCodec.SubProtocol, StringComparison.Ordinal))
        {
            throw new WebSocketConnectException(
                $"The server did not accept the WebSocket subprotocol '{SessionFrameCodec.SubProtocol}' (it chose '{_inner.SubProtocol ?? "none"}'), so it does not speak the ResilientSockets session protocol. Map the endpoint with ResilientSockets.Server (MapResilientSessions), implement the README's session wire format, or turn Session off for this server.",
                null,
                isTransient: false);
        }

        var hello = new byte[SessionFrameCodec.HelloSize];
        SessionFrameCodec.WriteHello(hello, _state.IdForHello, _state.IdForHello == Guid.Empty ? 0 : _state.Delivered);
        await WebSocketIo.SendAsync(_inner, hello, WebSocketMessageType.Binary, cancellationToken).ConfigureAwait(false);

        var length = 0;
        while (true)
        {
            var (count, type, end) = await WebSocketIo.ReceiveAsync(_inner, _header.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (type == WebSocketMessageType.Close)
            {
                throw new WebSocketConnectException($"The server closed the connection during the session handshake ({(int?)_inner.CloseStatus} '{_inner.CloseStatusDescription}').", null, isTransient: true);
            }

            if (type == WebSocketMessageType.Text)
            {
                throw new SessionProtocolException("The server sent a text message where the session protocol expects a binary WELCOME frame.");
            }

            length += count;
            if (end)
            {
                break;
            }

            if (length == _header.Length)
            {
                throw new SessionProtocolException($"The server's first frame is longer than a WELCOME ({SessionFrameCodec.WelcomeSize} bytes).");
            }
        }

        var welcome = SessionFrameCodec.Decode(_header.AsSpan(0, length), length);
        if (welcome.Kind != SessionFrameKind.Welcome)
        {
            throw new SessionProtocolException($"The server's first frame is {welcome.Kind}, not WELCOME.");
        }

        var presented = _state.IdForHello;
        if (welcome.Resumed)
        {
            if (presented == Guid.Empty || welcome.SessionId != presented)
            {
                throw new SessionProtocolException($"The server resumed session {welcome.SessionId}, but this client asked for {(presented == Guid.Empty ? "a new session" : presented.ToString())}.");
            }

            ServerReceived = welcome.Value;
            List<SessionState.Kept> replay = _state.ToReplay(welcome.Value);
            foreach (var kept in replay)
            {
                await WebSocketIo.SendAsync(_inner, kept.Frame, WebSocketMessageType.Binary, cancellationToken).ConfigureAwait(false);
            }

            Replayed = replay.Count;
            Resumed = true;
            return null;
        }

        if (welcome.Value != 0)
        {
            throw new SessionProtocolException($"The server started a new session but reports last received {welcome.Value}; it must be 0.");
        }

        return _state.StartNew(welcome.SessionId);
    }

#if NET
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    private async ValueTask<(int Count, WebSocketMessageType Type, bool End, WebSocketCloseStatus? CloseStatus, string? CloseDescription)> ReceiveCoreAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_inPayload)
            {
                var (count, type, end) = await WebSocketIo.ReceiveAsync(_inner, buffer, cancellationToken).ConfigureAwait(false);
                if (type == WebSocketMessageType.Close)
                {
                    return Closed();
                }

                if (end)
                {
                    _inPayload = false;
                    Delivered(_payloadSequence);
                }

                return (count, _payloadType, end, null, null);
            }

            if (buffer.IsEmpty)
            {
                // A zero-byte wait for the next message (the client's idle read): pass it down; the header is read next time.
                var (_, type, _) = await WebSocketIo.ReceiveAsync(_inner, Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
                return type == WebSocketMessageType.Close ? Closed() : (0, WebSocketMessageType.Binary, false, null, null);
            }

            var frame = await ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
            if (frame is not { } header)
            {
                return Closed();
            }

            switch (header.Frame.Kind)
            {
                case SessionFrameKind.Data:
                    switch (_state.Check(header.Frame.Value))
                    {
                        case SequenceVerdict.Gap:
                            throw new SessionProtocolException($"DATA sequence {header.Frame.Value} skips ahead: the next expected is {_state.Delivered + 1}.");
                        case SequenceVerdict.Duplicate:
                            DuplicatesDropped++;
                            if (!header.End && !await DiscardRestAsync(cancellationToken).ConfigureAwait(false))
                            {
                                return Closed();
                            }

                            ScheduleAck(force: false);
                            continue;
                    }

                    _payloadType = header.Frame.IsText ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
                    if (header.End)
                    {
                        Delivered(header.Frame.Value);
                        return (0, _payloadType, true, null, null); // an empty message
                    }

                    _inPayload = true;
                    _payloadSequence = header.Frame.Value;
                    continue;
                case SessionFrameKind.Ack:
                    _state.OnAcknowledged(header.Frame.Value);
                    continue;
                case SessionFrameKind.Ping:
                    SendPong(header.Frame.Value);
                    continue;
                case SessionFrameKind.Pong:
                    OnPong?.Invoke();
                    continue;
                default:
                    throw new SessionProtocolException($"A {header.Frame.Kind} frame after the handshake: only one HELLO and one WELCOME per connection.");
            }
        }

        (int, WebSocketMessageType, bool, WebSocketCloseStatus?, string?) Closed()
        {
            if (_inner.CloseStatus == WebSocketCloseStatus.NormalClosure)
            {
                _state.MarkEnded(); // the server's application ended the session
            }

            return (0, WebSocketMessageType.Close, true, _inner.CloseStatus, _inner.CloseStatusDescription);
        }
    }

    /// <summary>Reads a frame's first bytes (the whole frame for control kinds). Null when the server closed.</summary>
#if NET
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    private async ValueTask<(SessionFrame Frame, bool End)?> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        var length = 0;
        var end = false;
        while (length < SessionFrameCodec.HeaderSize && !end)
        {
            var (count, type, isEnd) = await WebSocketIo.ReceiveAsync(_inner, _header.AsMemory(length, SessionFrameCodec.HeaderSize - length), cancellationToken).ConfigureAwait(false);
            if (type == WebSocketMessageType.Close)
            {
                return null;
            }

            if (type == WebSocketMessageType.Text)
            {
                throw new SessionProtocolException("A text WebSocket message in a session: every session frame is a binary message.");
            }

            length += count;
            end = isEnd;
        }

        if (length > 0 && _header[0] is (byte)SessionFrameKind.Hello or (byte)SessionFrameKind.Welcome)
        {
            throw new SessionProtocolException($"A {(SessionFrameKind)_header[0]} frame after the handshake: only one HELLO and one WELCOME per connection.");
        }

        // A control frame that goes on past its 10 bytes is too long: pass a length that says so.
        var frame = SessionFrameCodec.Decode(_header.AsSpan(0, length), end ? length : length + 1);
        return (frame, end);
    }

#if NET
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    private async ValueTask<bool> DiscardRestAsync(CancellationToken cancellationToken)
    {
        // Rented for the duplicate at hand only: a connection does not keep a buffer for something this rare.
        var discard = System.Buffers.ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (true)
            {
                var (_, type, end) = await WebSocketIo.ReceiveAsync(_inner, discard, cancellationToken).ConfigureAwait(false);
                if (type == WebSocketMessageType.Close)
                {
                    return false;
                }

                if (end)
                {
                    return true;
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(discard);
        }
    }

    private void Delivered(ulong sequence)
    {
        _state.MarkDelivered(sequence);
        ScheduleAck(force: false);
    }

    /// <summary>README rule 3: an ACK after AckEvery messages, or AckDelay after the first unacknowledged one.</summary>
    private void ScheduleAck(bool force)
    {
        lock (_ackGate)
        {
            _unacknowledgedIn++;
            if (force || _unacknowledgedIn >= _options.AckEvery)
            {
                StartAckWriteLocked();
                return;
            }

            if (!_ackTimerArmed)
            {
                _ackTimerArmed = true;
                _ackTimer.Change(_options.AckDelay, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void FlushAck()
    {
        lock (_ackGate)
        {
            _ackTimerArmed = false;
            if (_unacknowledgedIn > 0)
            {
                StartAckWriteLocked();
            }
        }
    }

    private void SendPong(ulong value)
    {
        lock (_ackGate)
        {
            _pongValue = value;
            _pongPending = true;
            StartAckWriteLocked();
        }
    }

    // One writer task at a time for ACKs and PONGs, so the receive loop never waits behind a long DATA write.
    private void StartAckWriteLocked()
    {
        if (_ackWriting)
        {
            return; // the running writer looks again before it stops
        }

        _ackWriting = true;
        WriteAcksAsync().Forget();
    }

    private async Task WriteAcksAsync()
    {
        try
        {
            while (true)
            {
                ulong? ack = null;
                ulong? pong = null;
                lock (_ackGate)
                {
                    if (_unacknowledgedIn > 0)
                    {
                        _unacknowledgedIn = 0;
                        ack = _state.Delivered;
                        if (_ackTimerArmed)
                        {
                            _ackTimerArmed = false;
                            _ackTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                        }
                    }

                    if (_pongPending)
                    {
                        _pongPending = false;
                        pong = _pongValue;
                    }

                    if (ack is null && pong is null)
                    {
                        _ackWriting = false;
                        return;
                    }

                }

                if (pong is { } p)
                {
                    await WriteControlAsync(SessionFrameKind.Pong, p).ConfigureAwait(false);
                }

                if (ack is { } a)
                {
                    await WriteControlAsync(SessionFrameKind.Ack, a).ConfigureAwait(false);
                }
            }
        }
#pragma warning disable CA1031 // The link is going down; the next connection's HELLO carries what an ACK would have.
        catch (Exception)
#pragma warning restore CA1031
        {
            lock (_ackGate)
            {
                _ackWriting = false;
            }
        }
    }
}
