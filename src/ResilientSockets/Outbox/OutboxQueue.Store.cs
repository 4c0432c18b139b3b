using System;
using System.Collections.Generic;
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
                if (_sent.Count > 0)
                {
                    return _sent.Peek().Id;
                }

                for (var node = _unsent.First; node is not null; node = node.Next)
                {
                    if (node.Value.IsStored && !node.Value.Removed)
                    {
                        return node.Value.Id;
                    }
                }

                return long.MaxValue;
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
        long first = 0, last = 0;
        var count = 0;
        lock (_gate)
        {
            while (_unsent.First is { } node && node.Value.IsStored && sequenceOf(node.Value.Id) is { } sequence && sequence <= received)
            {
                var done = node.Value;
                _unsent.RemoveFirst();
                RemoveLocked(done);
                first = first == 0 ? done.Id : first;
                last = done.Id;
                count++;
            }
        }

        if (count > 0)
        {
            Forget(first, last, "remove messages delivered before the restart from");
            WakeWaiters();
        }

        return count;
    }

    /// <summary>Counts the entries the checkpoint says were sent before the restart (possibly delivered, if the session is lost).</summary>
    public int CountSentBeforeRestart(Func<long, ulong?> sequenceOf)
    {
        var count = 0;
        lock (_gate)
        {
            foreach (var entry in _unsent)
            {
                if (entry.IsStored && sequenceOf(entry.Id) is not null)
                {
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

    /// <summary>Removes records from the store without holding anyone up; a failure is logged (the records would be sent again after a restart).</summary>
    private void Forget(long firstId, long lastId, string what)
    {
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

        if (!removal.IsCompleted || removal.IsFaulted)
        {
            _ = removal.ContinueWith(
                static (t, s) =>
                {
                    if (t.Exception is { } error)
                    {
                        var (report, what) = ((Action<string, Exception>, string))s!;
                        report(what, error.InnerException ?? error);
                    }
                },
                (_onStoreError, what),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }
}
