using System;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using ResilientSockets.Server.Internal;

namespace ResilientSockets.Server;

/// <summary>
/// One reliable session with one client: it outlives the client's connections. Its handler (given to
/// <c>MapResilientSessions</c>) runs once per session, from the first HELLO until the session ends, across every
/// reconnect in between.
/// </summary>
/// <remarks>
/// <para>Receiving: <see cref="ReadAllAsync"/> yields every message the client sent, in order, exactly once (replays
/// after a reconnect are suppressed). It completes when the session ends cleanly (a close with 1000) and throws
/// <see cref="ResilientSessionEndedException"/> when the session is lost, after yielding what arrived before.</para>
/// <para>Sending: <see cref="SendAsync(WebSocketMessage, CancellationToken)"/> assigns the next sequence number and puts
/// the message in the replay buffer; it is written at once when a connection is attached and replayed after a resume
/// until the client acknowledges it. It completes when the message is in the buffer (waiting while the buffer is full:
/// back-pressure, never a drop); <see cref="FlushAsync"/> completes when the client has acknowledged everything sent
/// before it.</para>
/// </remarks>
public sealed partial class ResilientSession
{
    private readonly object _gate = new();
    private readonly SessionEndpoint _endpoint;
    private readonly ResilientSessionOptions _options;
    private readonly Channel<WebSocketMessage> _inbound;
    private readonly ReplayBuffer _replay = new();
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly CancellationTokenSource _lost = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal ResilientSession(Guid id, SessionEndpoint endpoint)
    {
        Id = id;
        _endpoint = endpoint;
        _options = endpoint.Options;
        _inbound = Channel.CreateBounded<WebSocketMessage>(new BoundedChannelOptions(_options.MaxPendingIncomingMessages)
        {
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Gets the session id (the client presents it in HELLO to resume).</summary>
    public Guid Id { get; }

    /// <summary>Gets the session's state.</summary>
    public ResilientSessionState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>Gets why the session ended, or <see cref="ResilientSessionEndReason.None"/> while it lasts.</summary>
    public ResilientSessionEndReason EndReason
    {
        get
        {
            lock (_gate)
            {
                return _endReason;
            }
        }
    }

    /// <summary>
    /// Gets a token cancelled when the session is lost (resume window expired, protocol error, handler failure, server
    /// stopping), not when it is closed cleanly. The handler receives this token.
    /// </summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>Gets a task that completes (never faults) when the session has ended, for any reason.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Gets how many messages the application sent in this session (the highest sequence assigned).</summary>
    public long MessagesSent => Read(() => (long)_lastSent);

    /// <summary>Gets how many sent messages the client has acknowledged.</summary>
    public long MessagesAcknowledged => Read(() => (long)_acked);

    /// <summary>Gets how many messages from the client were delivered to <see cref="ReadAllAsync"/>'s buffer.</summary>
    public long MessagesReceived => Read(() => (long)_delivered);

    /// <summary>Gets how many sent messages wait in the replay buffer for the client's acknowledgement.</summary>
    public int UnacknowledgedMessages => Read(() => _replay.Count);

    /// <summary>Gets the payload bytes of the messages in the replay buffer.</summary>
    public long UnacknowledgedBytes => Read(() => _unacknowledgedBytes);

    /// <summary>Gets how many messages were written again after resumes.</summary>
    public long MessagesReplayed => Read(() => _replayed);

    /// <summary>Gets how many times the client resumed this session.</summary>
    public int Resumes => Read(() => _resumes);

    /// <summary>
    /// Reads the client's messages in order, exactly once, across reconnects. One reader at a time is the intended
    /// use; concurrent readers share the messages (each goes to one of them).
    /// </summary>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <returns>The messages; ends when the session is closed with 1000.</returns>
    /// <exception cref="ResilientSessionEndedException">The session was lost (after the messages received before that).</exception>
    public IAsyncEnumerable<WebSocketMessage> ReadAllAsync(CancellationToken cancellationToken = default) =>
        _inbound.Reader.ReadAllAsync(cancellationToken);

    /// <summary>Sends a text message.</summary>
    /// <param name="text">The text.</param>
    /// <param name="cancellationToken">Stops waiting for room in the replay buffer.</param>
    /// <returns>A task that completes when the message is in the replay buffer (see the class remarks).</returns>
    /// <exception cref="ResilientSessionEndedException">The session has ended.</exception>
    public ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var frame = new byte[SessionFrameCodec.HeaderSize + Encoding.UTF8.GetByteCount(text)];
        Encoding.UTF8.GetBytes(text, frame.AsSpan(SessionFrameCodec.HeaderSize));
        return EnqueueAsync(frame, isText: true, cancellationToken);
    }

    /// <summary>Sends a binary message.</summary>
    /// <param name="data">The payload (copied).</param>
    /// <param name="cancellationToken">Stops waiting for room in the replay buffer.</param>
    /// <returns>A task that completes when the message is in the replay buffer (see the class remarks).</returns>
    /// <exception cref="ResilientSessionEndedException">The session has ended.</exception>
    public ValueTask SendBinaryAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        var frame = new byte[SessionFrameCodec.HeaderSize + data.Length];
        data.Span.CopyTo(frame.AsSpan(SessionFrameCodec.HeaderSize));
        return EnqueueAsync(frame, isText: false, cancellationToken);
    }

    /// <summary>Sends a message, text or binary as <paramref name="message"/> says.</summary>
    /// <param name="message">The message (its payload is copied).</param>
    /// <param name="cancellationToken">Stops waiting for room in the replay buffer.</param>
    /// <returns>A task that completes when the message is in the replay buffer (see the class remarks).</returns>
    /// <exception cref="ResilientSessionEndedException">The session has ended.</exception>
    public ValueTask SendAsync(WebSocketMessage message, CancellationToken cancellationToken = default)
    {
        var frame = new byte[SessionFrameCodec.HeaderSize + message.Data.Length];
        message.Data.Span.CopyTo(frame.AsSpan(SessionFrameCodec.HeaderSize));
        return EnqueueAsync(frame, message.MessageType == WebSocketMessageType.Text, cancellationToken);
    }

    /// <summary>Waits until the client has acknowledged every message sent before this call (through reconnects).</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when everything sent so far is acknowledged.</returns>
    /// <exception cref="ResilientSessionEndedException">The session ended before that.</exception>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        ulong target;
        lock (_gate)
        {
            target = _lastSent;
        }

        while (true)
        {
            Task progress;
            lock (_gate)
            {
                if (_acked >= target)
                {
                    return;
                }

                ThrowIfEndedLocked();
                progress = (_ackProgress ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }

            await progress.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Ends the session cleanly: waits (while <paramref name="cancellationToken"/> allows, and through reconnects) until
    /// the client has acknowledged everything sent, then closes with 1000. Cancelling skips the rest of the wait; the
    /// session is closed either way. Does nothing when the session has already ended.
    /// </summary>
    /// <param name="cancellationToken">Bounds the wait for acknowledgements.</param>
    /// <returns>A task that completes when the session has ended.</returns>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Closing anyway: the caller bounded the drain.
        }
        catch (ResilientSessionEndedException)
        {
            return;
        }

        End(ResilientSessionEndReason.ClosedByServer, detail: null, WebSocketCloseStatus.NormalClosure, "session closed by the server");
    }

    private T Read<T>(Func<T> read)
    {
        lock (_gate)
        {
            return read();
        }
    }
}
