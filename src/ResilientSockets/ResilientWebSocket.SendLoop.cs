using System;
using System.Threading.Tasks;

namespace ResilientSockets;

public sealed partial class ResilientWebSocket
{
    /// <summary>
    /// One per connection: writes the outbox's stored messages first, then the queue's, in batches under the write lock.
    /// Returns the write error that ended it, or <see langword="null"/> when a stop (or the end of the connection) did.
    /// </summary>
    private async Task<Exception?> SendLoopAsync(ConnectionScope connection)
    {
        while (true)
        {
            try
            {
                if (!await WaitForWorkAsync(connection).ConfigureAwait(false))
                {
                    return null; // closed by a stop
                }

                if (_session is { } session)
                {
                    // Outside the write lock: a full replay buffer waits for the server's acks, not for a write.
                    await session.WaitForRoomAsync(connection.StopSendingToken).ConfigureAwait(false);
                }

                await connection.WriteLock.WaitAsync(connection.AbortToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return null;
            }

            long writtenFirst = 0, writtenLast = 0;
            try
            {
                // Dequeue only while holding the write lock, so a direct write can never overtake a message the loop has taken.
                for (var batch = 0; batch < 64 && !connection.StopSendingToken.IsCancellationRequested && (_session?.HasRoom ?? true); batch++)
                {
                    // The outbox goes first: what was pending at start, then durable sends in acceptance order.
                    if (_outbox is { } outbox && outbox.TryPeekReady(out var entry))
                    {
                        try
                        {
                            await WriteDurableLockedAsync(connection, entry).ConfigureAwait(false);
                        }
#pragma warning disable CA1031 // Any write failure means the link is gone (or the checkpoint failed); the entry stays at the head.
                        catch (Exception ex)
#pragma warning restore CA1031
                        {
                            outbox.WriteFailed(entry);
                            OnWriteFailed(ex);
                            return ex;
                        }

                        outbox.MarkWritten(entry, awaitAcknowledgement: _session is not null);
                        if (_session is null)
                        {
                            writtenFirst = writtenFirst == 0 ? entry.Id : writtenFirst;
                            writtenLast = entry.Id;
                        }

                        OnWritten(entry.Payload.Length);
                        continue;
                    }

                    if (!_queue.TryDequeue(out var message))
                    {
                        break;
                    }

                    if (!message.TryBeginWrite())
                    {
                        message.ReleaseFromQueue();
                        continue; // Withdrawn or expired while queued; its caller already knows.
                    }

                    if (message.IsFlushMarker)
                    {
                        message.CompleteWritten(); // everything accepted before it has been written
                        message.ReleaseFromQueue();
                        continue;
                    }

                    try
                    {
                        await WriteLockedAsync(connection, message.Payload, message.MessageType).ConfigureAwait(false);
                    }
#pragma warning disable CA1031 // Any write failure means the link is gone; the message must survive it.
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        message.ReturnToQueue();
                        _queue.Requeue(message);
                        OnWriteFailed(ex);
                        return ex;
                    }

                    var length = message.Length;
                    message.CompleteWritten();
                    message.ReleaseFromQueue();
                    OnWritten(length);
                }
            }
            finally
            {
                connection.WriteLock.Release();
                if (writtenFirst != 0)
                {
                    _outbox!.CompleteWritten(writtenFirst, writtenLast); // one removal per batch, not per message
                }
            }
        }
    }
}
