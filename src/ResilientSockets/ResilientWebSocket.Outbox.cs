using System;
using System.Buffers;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Diagnostics;
using ResilientSockets.Outbox;
using ResilientSockets.Sessions;

namespace ResilientSockets;

public sealed partial class ResilientWebSocket
{
    private OutboxQueue? _outbox;
    private SessionCheckpoint? _checkpoint;

    /// <summary>
    /// Gets how many durable messages the outbox holds: accepted and not yet written (no session) or not yet acknowledged
    /// (with a session). 0 without <see cref="ResilientWebSocketOptions.Outbox"/>.
    /// </summary>
    public int OutboxCount => _outbox?.Count ?? 0;

    private void InitializeOutbox()
    {
        if (_options.Outbox is not { Store: { } store } options)
        {
            return;
        }

        _outbox = new OutboxQueue(store, options, _time, OnDurableDropped, (what, error) => Log.OutboxStoreFailed(_logger, what, error.Message));
        if (_session is { } session)
        {
            _checkpoint = new SessionCheckpoint(store, () => _outbox.LowestStoredId);
            session.Checkpoint = _checkpoint;
            session.DurableAcknowledged = _outbox.OnAcknowledgedThrough;
        }
    }

    /// <summary>A durable send: copied, stored (the call returns once the store committed), then sent from the outbox.</summary>
    private async ValueTask SendDurableAsync(OutboxQueue outbox, ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, byte[]? rented, SendOptions options, CancellationToken cancellationToken)
    {
        // The outbox keeps its own copy until the message leaves the store: a lost session sends it again.
        var copy = payload.ToArray();
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        ThrowIfDisposed();
        var timeToLive = options.TimeToLive ?? _options.Outbox!.DefaultTimeToLive;
        DateTimeOffset? expiresAt = timeToLive is { } ttl ? _time.GetUtcNow() + ttl : null;
        var entry = await outbox.AppendAsync(messageType, copy, expiresAt, cancellationToken).ConfigureAwait(false);
        NoteIfNotStarted();
        if (options.WaitForAcknowledgement)
        {
            await outbox.WaitForCompletionAsync(entry.Order, entry, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>At start: what the store held goes out first; a session an earlier run had is resumed.</summary>
    private async Task PrepareOutboxAsync()
    {
        if (_outbox is not { } outbox)
        {
            return;
        }

        await outbox.EnsureLoadedAsync().ConfigureAwait(false);
        Log.OutboxLoaded(_logger, outbox.LoadedCount, outbox.LoadedExpired);
        if (_checkpoint is { } checkpoint && _session is { } session && checkpoint.Restore(outbox.LoadedCheckpoint.Span) is var id && id != Guid.Empty)
        {
            session.Restore(id);
            Log.OutboxSessionRestored(_logger, id);
        }
    }

    /// <summary>
    /// After the session handshake: a restored session drops what the server already has; a new session (first, or after
    /// a lost one) sends again what the old one had not had acknowledged, and its id is saved before any of its DATA.
    /// Returns the count to report as possibly undelivered when a restored session was lost.
    /// </summary>
    private async Task<int?> AfterSessionHandshakeAsync(SessionWebSocket link, bool wasRestored)
    {
        if (_checkpoint is not { } checkpoint || _outbox is not { } outbox)
        {
            return null;
        }

        try
        {
            if (link.Resumed)
            {
                if (wasRestored)
                {
                    var delivered = outbox.CompleteDeliveredBeforeRestart(checkpoint.SequenceOf, link.ServerReceived);
                    Log.OutboxSessionResumed(_logger, delivered, outbox.Count);
                }

                return null;
            }

            var sentBeforeRestart = wasRestored ? outbox.MarkSentBeforeRestart(checkpoint.SequenceOf) : (int?)null;
            outbox.Rewind();
            await checkpoint.StartSessionAsync(_session!.Id).ConfigureAwait(false);
            return sentBeforeRestart;
        }
        catch (OutboxStoreException ex)
        {
            throw new WebSocketConnectException($"The outbox could not save the session checkpoint: {ex.Message}", ex, isTransient: false);
        }
    }

    /// <summary>A stop ended the session (close 1000) with nothing left in the outbox: the next start begins afresh, without a SessionLost for it.</summary>
    private async Task ForgetEndedSessionAsync()
    {
        if (_checkpoint is not { } checkpoint)
        {
            return;
        }

        try
        {
            await checkpoint.ClearAsync().ConfigureAwait(false);
        }
        catch (OutboxStoreException ex)
        {
            // Harmless: the next start names the ended session, is told it is gone, and starts a new one (reported lost, 0 messages).
            Log.OutboxStoreFailed(_logger, "clear the ended session's checkpoint in", ex.Message);
        }
    }

    /// <summary>The send loop's durable write: through the session (kept with its outbox id, mapped in the checkpoint) or plain.</summary>
    private static ValueTask WriteDurableLockedAsync(ConnectionScope connection, OutboxEntry entry)
    {
        var write = connection.Socket is SessionWebSocket session
            ? session.SendDurableAsync(entry.Payload, entry.MessageType, entry.Id)
            : WriteFrame(connection, entry.Payload, entry.MessageType);
        return write.IsCompletedSuccessfully ? default : AwaitWithWatchdogAsync(connection, write);
    }

    /// <summary>The send loop waits for either stream: the queue, or an outbox append that committed.</summary>
    private ValueTask<bool> WaitForWorkAsync(ConnectionScope connection)
        => _outbox is { } outbox ? WaitForWorkWithOutboxAsync(outbox, connection.StopSendingToken) : _queue.WaitForMessagesAsync(connection.StopSendingToken);

    // The channel wait outlives a wake-up by the outbox, so idle periods do not pile up channel waiters.
    private Task<bool>? _queueWait;

    private async ValueTask<bool> WaitForWorkWithOutboxAsync(OutboxQueue outbox, CancellationToken stopSending)
    {
        while (true)
        {
            stopSending.ThrowIfCancellationRequested();
            if (_queueWait is { IsCompleted: true } finished)
            {
                _queueWait = null;
                if (finished.Status == TaskStatus.RanToCompletion)
                {
                    if (!finished.Result)
                    {
                        return false; // closed by a stop
                    }

                    return true;
                }
            }

            if (outbox.HasReady)
            {
                return true;
            }

            if (_queueWait is null)
            {
                var wait = _queue.WaitForMessagesAsync(stopSending);
                if (wait.IsCompleted)
                {
                    return wait.Result;
                }

                _queueWait = wait.AsTask();
            }

            var ready = outbox.WaitUntilReadyAsync();
            await Task.WhenAny(_queueWait, ready).ConfigureAwait(false);
        }
    }

    private void OnDurableDropped(OutboxEntry entry, MessageDropReason reason)
    {
        Log.OutboxMessageDropped(_logger, entry.Id, reason);

        RaiseDropped(new MessageDroppedEventArgs(MessageDirection.Outbound, reason, entry.MessageType, entry.Payload.Length, outboxId: entry.Id));
    }
}
