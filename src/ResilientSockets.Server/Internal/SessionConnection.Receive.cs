using System;
using System.Buffers;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Server.Diagnostics;

namespace ResilientSockets.Server.Internal;

// The receive side: HELLO, then every frame through the session's rules. Returns why the connection ended.
internal sealed partial class SessionConnection
{
    private async Task<string> ReceiveLoopAsync()
    {
        if (!await HandshakeAsync().ConfigureAwait(false))
        {
            return await DrainAsync("handshake refused").ConfigureAwait(false);
        }

        var session = _session!;
        while (true)
        {
            var message = await ReceiveMessageAsync().ConfigureAwait(false);
            if (message.Type == WebSocketMessageType.Close)
            {
                return OnClientClose(session);
            }

            if (_closeRequested)
            {
                continue; // our close is on its way: what the client still sends is ignored until its close arrives
            }

            try
            {
                if (message.TooLarge)
                {
                    Log.MessageTooLarge(_endpoint.Logger, Options.MaxMessageSize);
                    EndSession(session, ResilientSessionEndReason.MessageTooLarge, WebSocketCloseStatus.MessageTooBig, $"message over {Options.MaxMessageSize} bytes");
                    continue;
                }

                if (message.Type == WebSocketMessageType.Text)
                {
                    throw new SessionRuleException("A text WebSocket message: every session frame is a binary message (rule 8).");
                }

                var frame = SessionFrameCodec.Decode(_buffer.AsSpan(0, message.Length), message.Length);
                switch (frame.Kind)
                {
                    case SessionFrameKind.Data:
                        await session.OnDataAsync(this, frame.Value, frame.IsText, _buffer.AsMemory(SessionFrameCodec.HeaderSize, message.Length - SessionFrameCodec.HeaderSize), _cts.Token).ConfigureAwait(false);
                        break;
                    case SessionFrameKind.Ack:
                        session.OnAck(this, frame.Value);
                        break;
                    case SessionFrameKind.Ping:
                        session.OnPing(this, frame.Value);
                        break;
                    case SessionFrameKind.Pong:
                        break; // the server sends no PINGs of its own; a PONG is harmless
                    case SessionFrameKind.Hello:
                        throw new SessionRuleException("A second HELLO on one connection (rule 8).");
                    default:
                        throw new SessionRuleException($"{frame.Kind.ToString().ToUpperInvariant()} is sent by the server only (rule 8).");
                }
            }
            catch (Exception exception) when (exception is SessionProtocolException or SessionRuleException)
            {
                Log.ProtocolError(_endpoint.Logger, exception.Message);
                EndSession(session, ResilientSessionEndReason.ProtocolError, WebSocketCloseStatus.ProtocolError, exception.Message);
            }
        }
    }

    /// <summary>Reads HELLO (within the handshake timeout) and attaches to the session it names, or a new one.</summary>
    /// <returns><see langword="false"/> when the connection was refused (a close is on its way).</returns>
    private async Task<bool> HandshakeAsync()
    {
        Message first;
        using (_endpoint.TimeProvider.CreateTimer(static state => ((SessionConnection)state!).OnHandshakeTimeout(), this, Options.HandshakeTimeout, Timeout.InfiniteTimeSpan))
        {
            first = await ReceiveMessageAsync().ConfigureAwait(false);
            _helloReceived = true;
        }

        if (first.Type == WebSocketMessageType.Close)
        {
            RequestClose(WebSocketCloseStatus.NormalClosure, string.Empty);
            return false;
        }

        SessionFrame hello;
        try
        {
            if (first.TooLarge || first.Type == WebSocketMessageType.Text)
            {
                throw new SessionRuleException(first.TooLarge ? "The first frame must be HELLO (28 bytes) (rule 8)." : "A text WebSocket message: every session frame is a binary message (rule 8).");
            }

            hello = SessionFrameCodec.Decode(_buffer.AsSpan(0, first.Length), first.Length);
            if (hello.Kind != SessionFrameKind.Hello)
            {
                throw new SessionRuleException($"The first frame must be HELLO, not {hello.Kind.ToString().ToUpperInvariant()} (rule 8).");
            }
        }
        catch (Exception exception) when (exception is SessionProtocolException or SessionRuleException)
        {
            Log.ProtocolError(_endpoint.Logger, exception.Message);
            RequestClose(WebSocketCloseStatus.ProtocolError, exception.Message);
            return false;
        }

        var presented = hello.SessionId;
        if (presented != Guid.Empty && _endpoint.Store.TryGet(presented, out var existing))
        {
            _session = existing;
            try
            {
                if (await existing.AttachAsync(this, hello.Value, resumed: true, lost: false).ConfigureAwait(false))
                {
                    return true;
                }
            }
            catch (SessionRuleException exception)
            {
                Log.ProtocolError(_endpoint.Logger, exception.Message);
                existing.End(ResilientSessionEndReason.ProtocolError, exception.Message, closeStatus: null, closeDescription: null);
                RequestClose(WebSocketCloseStatus.ProtocolError, exception.Message);
                return false;
            }
        }

        // A new session: asked for (zero id), or the presented one is gone (lost).
        var session = _endpoint.TryCreateSession();
        if (session is null)
        {
            _session = null;
            Log.TooManySessions(_endpoint.Logger, Options.MaxSessions);
            RequestClose((WebSocketCloseStatus)1013, "too many sessions, try again later");
            return false;
        }

        _session = session;
        var lost = presented != Guid.Empty;
        if (lost)
        {
            Log.UnknownSession(_endpoint.Logger, presented, session.Id);
        }

        await session.AttachAsync(this, lastReceived: 0, resumed: false, lost).ConfigureAwait(false);
        _endpoint.StartHandler(session);
        return true;
    }

    private string OnClientClose(ResilientSession session)
    {
        var status = _socket.CloseStatus;
        if (_closeRequested)
        {
            return $"closed ({status})";
        }

        if (status == WebSocketCloseStatus.NormalClosure)
        {
            EndSession(session, ResilientSessionEndReason.ClosedByClient, WebSocketCloseStatus.NormalClosure, string.Empty);
            return "the client closed the session with 1000";
        }

        // Any other status keeps the session for a resume (rule 6); the close is answered with the same status.
        session.Detach(this, $"the client closed with {status?.ToString() ?? "no status"}");
        RequestClose(status ?? WebSocketCloseStatus.Empty, string.Empty);
        return $"the client closed with {status}";
    }

    /// <summary>Ends the session when this connection is its connection; a stale connection only closes itself.</summary>
    private void EndSession(ResilientSession session, ResilientSessionEndReason reason, WebSocketCloseStatus status, string description)
    {
        if (session.IsAttachedTo(this))
        {
            session.End(reason, description, status, description);
        }

        RequestClose(status, description); // a no-op when End already asked for it
    }

    private async Task<string> DrainAsync(string reason)
    {
        while (true)
        {
            var message = await ReceiveMessageAsync().ConfigureAwait(false);
            if (message.Type == WebSocketMessageType.Close)
            {
                return reason;
            }
        }
    }

    private void OnHandshakeTimeout()
    {
        if (!_helloReceived)
        {
            Abort();
        }
    }

    /// <summary>
    /// Reads one whole message into <see cref="_buffer"/> (growing it up to the limit). A message over the limit is
    /// reported as too large as soon as it passes it, except while closing, when it is read through and discarded.
    /// </summary>
    private async ValueTask<Message> ReceiveMessageAsync()
    {
        var limit = Options.MaxMessageSize + SessionFrameCodec.HeaderSize;
        var length = 0;
        while (true)
        {
            if (length == _buffer.Length)
            {
                if (length > limit)
                {
                    if (!_closeRequested)
                    {
                        return new Message(WebSocketMessageType.Binary, length, tooLarge: true);
                    }

                    length = 0; // closing: discard
                }
                else
                {
                    var grown = ArrayPool<byte>.Shared.Rent(Math.Min(Math.Max(_buffer.Length * 2, InitialBufferSize), limit + 1));
                    _buffer.AsSpan(0, length).CopyTo(grown);
                    ArrayPool<byte>.Shared.Return(_buffer);
                    _buffer = grown;
                }
            }

            var result = await _socket.ReceiveAsync(_buffer.AsMemory(length), _cts.Token).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return new Message(WebSocketMessageType.Close, 0, tooLarge: false);
            }

            length += result.Count;
            if (result.EndOfMessage)
            {
                return new Message(result.MessageType, length, tooLarge: length > limit);
            }
        }
    }

    private readonly struct Message
    {
        public Message(WebSocketMessageType type, int length, bool tooLarge)
        {
            Type = type;
            Length = length;
            TooLarge = tooLarge;
        }

        public WebSocketMessageType Type { get; }

        public int Length { get; }

        public bool TooLarge { get; }
    }
}
