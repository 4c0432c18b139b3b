using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace ResilientSockets.Outbox;

/// <summary>The outbox's side that talks to the store: the load at start, removals, and the restart bookkeeping.</summary>
internal sealed partial class OutboxQueue
{
    /// <summary>Gets the lowest store id the client still holds sent or stored (what the session checkpoint must still map), or <see cref="long.MaxValue"/>.</summary>
    public long LowestStoredId
    {
        get
        {
            lock (_gate)
            {
                // A removal handed to the store but not yet confirmed still counts: until it is stored, a restart
                // would find the record, and the checkpoint must still map it.
                var lowest = _unconfirmedRemovals.Count > 0 ? _unconfirmedRemovals.Keys.First() : long.MaxValue;
                if (_sent.Count > 0)
                {
                    return Math.Min(lowest, _sent.Peek().Id);
                }

                for (var node = _unsent.First; node is not null; node = node.Next)
                {
                    if (node.Value.IsStored && !node.Value.Removed)
                    {
                        return Math.Min(lowest, node.Value.Id);
                    }
                }

                return lowest;
            }
        }
    }

    /// <summary>
    /// After a restart, the server reported it has every message of the restored session up to <paramref name="received"/>:
    /// the oldest entries the checkpoint maps at or below it were delivered before the restart, and leave now.
    /// </summary>
    /// <returns>How many left.</returns>
    public int CompleteDeliveredBeforeRestart(Func<long, ulong?> sequenceOf, ulong received)
    {
        var count = 0;
        lock (_gate)
        {
            // Every entry the checkpoint maps at or below what the server has leaves; an entry it does not map (never
            // sent) stays, and ends the current run of removals (a range must not cover it).
            long first = 0, last = 0;
            for (var node = _unsent.First; node is not null;)
            {
                var next = node.Next;
                var entry = node.Value;
                if (entry.IsStored && sequenceOf(entry.Id) is { } sequence && sequence <= received)
                {
                    _unsent.Remove(node);
                    RemoveLocked(entry);
                    first = first == 0 ? entry.Id : first;
                    last = entry.Id;
                    count++;
                }
                else if (first != 0)
                {
                    Forget(first, last, "remove messages delivered before the restart from");
                    first = 0;
                }

                node = next;
            }

            if (first != 0)
            {
                Forget(first, last, "remove messages delivered before the restart from");
            }
        }

        if (count > 0)
        {
            WakeWaiters();
        }

        return count;
    }

    /// <summary>The restored session was lost: every entry the checkpoint maps may have been delivered; they go again, but are never expired or evicted.</summary>
    public int MarkSentBeforeRestart(Func<long, ulong?> sequenceOf)
    {
        var count = 0;
        lock (_gate)
        {
            foreach (var entry in _unsent)
            {
                if (entry.IsStored && sequenceOf(entry.Id) is not null)
                {
                    entry.MaybeDelivered = true;
                    count++;
                }
            }
        }

        return count;
    }

    private async Task LoadAsync()
    {
        var records = await _store.LoadPendingAsync(CancellationToken.None).ConfigureAwait(false);
        var checkpoint = await _store.LoadCheckpointAsync(CancellationToken.None).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        List<OutboxEntry>? expired = null;
        lock (_gate)
        {
            // Appends wait for the load, so what was pending goes first, in store order.
            foreach (var record in records)
            {
                var entry = new OutboxEntry(_nextOrder++, record.Id, record.MessageType, ToArray(record.Payload), record.ExpiresAt);
                if (entry.IsExpired(now))
                {
                    entry.Removed = true;
                    (expired ??= []).Add(entry);
                    continue;
                }

                _unsent.AddLast(entry);
                _count++;
                _bytes += entry.Payload.Length;
            }

            LoadedCheckpoint = checkpoint;
            LoadedCount = _count;
            LoadedExpired = expired?.Count ?? 0;
        }

        if (expired is not null)
        {
            foreach (var gone in expired)
            {
                Forget(gone.Id, gone.Id, "remove an expired message from");
                _onDropped(gone, MessageDropReason.Expired);
            }
        }

        _ready.Set();
    }

    private static byte[] ToArray(ReadOnlyMemory<byte> payload)
        => MemoryMarshal.TryGetArray(payload, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : payload.ToArray();

    /// <summary>
    /// Removes records from the store without holding anyone up. Until the store confirms it, the range counts as still
    /// stored (<see cref="LowestStoredId"/>); a failure is logged and the range keeps counting (those records would be
    /// sent again after a restart, so the checkpoint must keep mapping them).
    /// </summary>
    private void Forget(long firstId, long lastId, string what)
    {
        lock (_gate)
        {
            _unconfirmedRemovals[firstId] = _unconfirmedRemovals.TryGetValue(firstId, out var known) ? Math.Max(known, lastId) : lastId;
        }

        Task removal;
        try
        {
            removal = _store.CompleteRangeAsync(firstId, lastId, CancellationToken.None);
        }
#pragma warning disable CA1031 // A store that throws synchronously is reported the same way as one whose task fails.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _onStoreError(what, ex);
            return;
        }

        if (removal.Status == TaskStatus.RanToCompletion)
        {
            Confirmed(firstId);
            return;
        }

        _ = removal.ContinueWith(
            static (t, s) =>
            {
                var (self, first, what) = ((OutboxQueue, long, string))s!;
                if (t.Status == TaskStatus.RanToCompletion)
                {
                    self.Confirmed(first);
                }
                else
                {
                    var error = t.Exception?.InnerException ?? t.Exception ?? (Exception)new TaskCanceledException(t);
                    self._onStoreError(what, error);
                }
            },
            (this, firstId, what),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void Confirmed(long firstId)
    {
        lock (_gate)
        {
            _unconfirmedRemovals.Remove(firstId);
        }
    }
}
