using System;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Diagnostics;
using ResilientSockets.Internal;
using ResilientSockets.Sending;
using ResilientSockets.Sessions;

namespace ResilientSockets;

public sealed partial class ResilientWebSocket
{
    private SessionState? _session;

    /// <summary>
    /// Raised when the server no longer had this client's session (its resume window passed, or it restarted): messages
    /// sent but not acknowledged may not have been delivered, and a new session has started. Runs on the event loop.
    /// </summary>
    public event EventHandler<SessionLostEventArgs>? SessionLost;

    /// <summary>Gets the current session id (<see cref="Guid.Empty"/> before the first session, or without <see cref="ResilientWebSocketOptions.Session"/>).</summary>
    public Guid SessionId => _session?.Id ?? Guid.Empty;

    /// <summary>Gets how many sent messages wait for the server's acknowledgement (0 without a session).</summary>
    public int UnacknowledgedMessageCount => _session?.UnacknowledgedCount ?? 0;

    /// <summary>Gets the bytes of sent frames kept until the server acknowledges them (0 without a session).</summary>
    internal long UnacknowledgedBytes => _session?.UnacknowledgedBytes ?? 0;

    /// <summary>
    /// Waits until everything accepted so far has reached this client's completion point: written to the socket, or, with
    /// a <see cref="ResilientWebSocketOptions.Session"/>, acknowledged by the server. Waits through reconnects.
    /// </summary>
    /// <param name="cancellationToken">Ends the wait (nothing is withdrawn).</param>
    /// <returns>A task that completes when everything accepted before the call is written (or acknowledged).</returns>
    /// <exception cref="MessageNotSentException">The client stopped or faulted first.</exception>
    /// <exception cref="SessionLostException">The session was lost before the server acknowledged everything.</exception>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var durable = _outbox?.NewestOrder ?? 0;
        var marker = OutboundMessagePool.Rent(ReadOnlyMemory<byte>.Empty, WebSocketMessageType.Binary, null);
        marker.IsFlushMarker = true;
        await EnqueueAsync(marker, default, cancellationToken).ConfigureAwait(false);
        if (_session is { } session)
        {
            await session.WaitForAcknowledgementAsync(session.HighestSent, cancellationToken).ConfigureAwait(false);
        }

        if (_outbox is { } outbox && durable > 0)
        {
            await outbox.WaitForCompletionAsync(durable, null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Drains first, then stops: waits up to <paramref name="drainTimeout"/> for <see cref="FlushAsync"/> (everything
    /// written, or acknowledged in a session), then stops as <see cref="StopAsync(CancellationToken)"/> does. Whatever is
    /// still pending after the timeout fails with <see cref="MessageNotSentException"/>.
    /// </summary>
    /// <param name="drainTimeout">How long to wait for the drain.</param>
    /// <param name="cancellationToken">Cancelling it skips the rest of the drain and the close handshake; the client still stops.</param>
    /// <returns>A task that completes when the client is stopped.</returns>
    public async Task StopAsync(TimeSpan drainTimeout, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        if (drainTimeout > TimeSpan.Zero && State is ConnectionState.Connecting or ConnectionState.Open or ConnectionState.Reconnecting)
        {
            using var timeout = _time.CreateTimeoutSource(drainTimeout);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
            try
            {
                await FlushAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                Log.DrainTimedOut(_logger, (long)drainTimeout.TotalMilliseconds, QueuedMessageCount, UnacknowledgedMessageCount);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
#pragma warning disable CA1031 // A stop goes ahead whatever the drain ran into; the causes are reported to the senders.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }

        await StopAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask SendAcknowledgedAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, byte[]? rented, SendOptions options, CancellationToken cancellationToken)
    {
        if (_session is not { } session)
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }

            throw new InvalidOperationException("SendOptions.WaitForAcknowledgement needs a session: set ResilientWebSocketOptions.Session (and a server that speaks the session protocol).");
        }

        await SendWrittenAsync(payload, messageType, rented, options, cancellationToken).ConfigureAwait(false);

        // Acks are cumulative: waiting for the newest sequence written covers this message (and perhaps a few after it).
        await session.WaitForAcknowledgementAsync(session.HighestSent, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Wraps a fresh socket in the session layer and runs the handshake (HELLO, WELCOME, replay).</summary>
    private async Task<WebSocket> OpenSessionAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var session = _session!;
        var wrapped = new SessionWebSocket(socket, session, _options.Session!, _time);
        var wasRestored = session.IsRestored;
        (Guid LostId, int Unacknowledged)? lost;
        try
        {
            lost = await wrapped.HandshakeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SessionProtocolException ex)
        {
            throw new WebSocketConnectException($"The server broke the session protocol during the handshake: {ex.Message}", ex, isTransient: false);
        }

        if (await AfterSessionHandshakeAsync(wrapped, wasRestored).ConfigureAwait(false) is { } sentBeforeRestart && lost is { } restoredLost)
        {
            lost = (restoredLost.LostId, sentBeforeRestart);
        }

        if (wrapped.Replayed > 0)
        {
            _metrics.SessionReplays.Add(wrapped.Replayed, _nameTag);
        }

        if (lost is { } info)
        {
            _metrics.SessionsLost.Add(1, _nameTag);
            Log.SessionLost(_logger, info.LostId, info.Unacknowledged, session.Id);
            var args = new SessionLostEventArgs(info.LostId, session.Id, info.Unacknowledged);
            _dispatcher.Post(
                static s =>
                {
                    var (self, e) = ((ResilientWebSocket, SessionLostEventArgs))s!;
                    self.SessionLost?.Invoke(self, e);
                },
                (this, args),
                nameof(SessionLost));
        }
        else if (_hasBeenOpen)
        {
            _metrics.SessionResumes.Add(1, _nameTag);
            Log.SessionResumed(_logger, session.Id, wrapped.Replayed);
        }

        return wrapped;
    }

    /// <summary>Adds the session's id to a reconnect's address (<c>rs-session</c>), so a load balancer can route it to the node that has the session.</summary>
    private Uri WithSessionQuery(Uri uri)
    {
        if (_session?.IdForHello is not { } id || id == Guid.Empty)
        {
            return uri;
        }

        var builder = new UriBuilder(uri);
        var query = builder.Query.TrimStart('?');
        builder.Query = (query.Length > 0 ? query + "&" : string.Empty) + "rs-session=" + id.ToString("N");
        return builder.Uri;
    }
}
