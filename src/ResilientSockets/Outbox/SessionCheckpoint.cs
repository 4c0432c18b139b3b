using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ResilientSockets.Outbox;

/// <summary>
/// What a restarted client needs to resume its session without sending anything twice: the session id, and which
/// sequence number each durable message went out with. Durable messages go out in store-id order, so the mapping is a
/// few segments: "from store id F, sequence S, one more each", persisted (before the write) whenever a write does not
/// continue the current segment, and closed (before the write) when a non-durable message takes a sequence in between.
/// </summary>
/// <remarks>
/// After a restart the server's WELCOME says the highest sequence it received; every pending record the segments map
/// at or below it was delivered and leaves, the rest go out again with new numbers. A record a segment maps was
/// really sent whenever the server reports its sequence received: anything else that took a sequence in between
/// closed the segment first. The bytes are the client's own (opaque to the store; version 1 below).
/// </remarks>
internal sealed class SessionCheckpoint
{
    private const byte Version = 1;
    private const int SegmentSize = 24;
    private const int HeaderSize = 1 + 16 + 4;
    private const int MaxSegments = (64 * 1024 - HeaderSize) / SegmentSize;

    private readonly IOutboxStore _store;
    private readonly Func<long> _lowestStoredId;
    private readonly List<Segment> _segments = [];
    private Guid _sessionId;
    private bool _open;
    private long _lastId;
    private ulong _lastSequence;

    public SessionCheckpoint(IOutboxStore store, Func<long> lowestStoredId)
    {
        _store = store;
        _lowestStoredId = lowestStoredId;
    }

    /// <summary>Gets how many checkpoint writes the client made (for tests and the benchmark).</summary>
    public int Saves { get; private set; }

    /// <summary>Reads a checkpoint saved by an earlier run. Returns the session id to resume (empty: none).</summary>
    /// <exception cref="OutboxStoreException">The bytes are not a checkpoint this version wrote.</exception>
    public Guid Restore(ReadOnlySpan<byte> data)
    {
        _segments.Clear();
        _open = false;
        if (data.IsEmpty)
        {
            _sessionId = Guid.Empty;
            return Guid.Empty;
        }

        if (data.Length < HeaderSize || data[0] != Version)
        {
            throw Unreadable($"it is {data.Length} bytes{(data.Length > 0 ? $" of version {data[0]}" : string.Empty)}");
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(data.Slice(17));
        if (count < 0 || data.Length != HeaderSize + (count * SegmentSize))
        {
            throw Unreadable($"it claims {count} segments in {data.Length} bytes");
        }

        _sessionId = new Guid(data.Slice(1, 16).ToArray());
        for (var i = 0; i < count; i++)
        {
            var at = data.Slice(HeaderSize + (i * SegmentSize));
            _segments.Add(new Segment(
                BinaryPrimitives.ReadInt64BigEndian(at),
                BinaryPrimitives.ReadUInt64BigEndian(at.Slice(8)),
                BinaryPrimitives.ReadInt64BigEndian(at.Slice(16))));
        }

        return _sessionId;
    }

    /// <summary>The sequence the record with store id <paramref name="id"/> went out with before the restart, or <see langword="null"/> if it did not.</summary>
    public ulong? SequenceOf(long id)
    {
        for (var i = _segments.Count - 1; i >= 0; i--)
        {
            var segment = _segments[i];
            if (segment.FirstId <= id)
            {
                return segment.LastId != 0 && id > segment.LastId ? null : segment.FirstSequence + (ulong)(id - segment.FirstId);
            }
        }

        return null;
    }

    /// <summary>A new session began (first, or after a lost one): nothing maps yet. Saved before any DATA of it is written.</summary>
    public Task StartSessionAsync(Guid sessionId) => CommitAsync(sessionId, [], open: false, 0, 0);

    /// <summary>The session ended cleanly with nothing left to send: a later start begins a new session without reporting this one lost.</summary>
    public Task ClearAsync() => CommitAsync(Guid.Empty, [], open: false, 0, 0);

    /// <summary>
    /// Called under the session's write lock just before a DATA frame with <paramref name="sequence"/> is written, for a
    /// durable message (<paramref name="outboxId"/> &gt; 0) or any other (0). Writes the checkpoint only when the mapping
    /// changes, and takes the change only once it is saved: a failed save leaves the mapping as the store has it, so the
    /// next write tries again instead of going out unmapped.
    /// </summary>
    public Task BeforeDataAsync(long outboxId, ulong sequence)
    {
        if (outboxId > 0)
        {
            if (_open && ((outboxId == _lastId + 1 && sequence == _lastSequence + 1) || (outboxId == _lastId && sequence == _lastSequence)))
            {
                _lastId = outboxId;
                _lastSequence = sequence;
                return Task.CompletedTask;
            }

            var started = Pruned();
            started.Add(new Segment(outboxId, sequence, 0));
            return CommitAsync(_sessionId, started, open: true, outboxId, sequence);
        }

        if (!_open)
        {
            return Task.CompletedTask;
        }

        // A non-durable message takes the next sequence: the segment must end at the last durable one first.
        var closed = new List<Segment>(_segments);
        var last = closed[^1];
        if (_lastId < last.FirstId)
        {
            closed.RemoveAt(closed.Count - 1); // its only message was withdrawn: it maps nothing
        }
        else
        {
            closed[^1] = last with { LastId = _lastId };
        }

        return CommitAsync(_sessionId, closed, open: false, _lastId, _lastSequence);
    }

    /// <summary>The write of a durable frame failed (it never reached the kernel): it will go out again, so the segment ends before it.</summary>
    public void Withdraw(long outboxId, ulong sequence)
    {
        if (outboxId > 0 && _open && outboxId == _lastId && sequence == _lastSequence)
        {
            _lastId--;
            _lastSequence--;
        }
    }

    private List<Segment> Pruned()
    {
        // A segment maps ids up to the next segment's first id (or its own last id): once every id it maps has left
        // the store (removal confirmed), no restart can need it.
        var lowest = _lowestStoredId();
        var segments = new List<Segment>(_segments);
        while (segments.Count > 0
            && ((segments[0].LastId != 0 && segments[0].LastId < lowest) || (segments.Count > 1 && segments[1].FirstId <= lowest)))
        {
            segments.RemoveAt(0);
        }

        if (segments.Count >= MaxSegments)
        {
            throw new OutboxStoreException(OutboxStoreFailure.Other, $"The outbox's session checkpoint would exceed {MaxSegments} segments: durable and non-durable sends alternate faster than the server acknowledges them (or the store keeps failing to remove sent messages). Send non-durable messages with SendOptions.Transient less often, or acknowledge sooner (Session.AckEvery).");
        }

        return segments;
    }

    private async Task CommitAsync(Guid sessionId, List<Segment> segments, bool open, long lastId, ulong lastSequence)
    {
        var data = new byte[HeaderSize + (segments.Count * SegmentSize)];
        data[0] = Version;
        sessionId.ToByteArray().CopyTo(data, 1);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(17), segments.Count);
        for (var i = 0; i < segments.Count; i++)
        {
            var at = data.AsSpan(HeaderSize + (i * SegmentSize));
            BinaryPrimitives.WriteInt64BigEndian(at, segments[i].FirstId);
            BinaryPrimitives.WriteUInt64BigEndian(at.Slice(8), segments[i].FirstSequence);
            BinaryPrimitives.WriteInt64BigEndian(at.Slice(16), segments[i].LastId);
        }

        Saves++;
        try
        {
            await _store.SaveCheckpointAsync(sessionId == Guid.Empty ? ReadOnlyMemory<byte>.Empty : data, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutboxStoreException)
        {
            // Whatever the store threw (disposed, a bug in a custom store), sending on without the checkpoint could
            // duplicate or lose messages after a restart: the client faults on an OutboxStoreException.
            throw new OutboxStoreException(OutboxStoreFailure.Other, $"The outbox store could not save the session checkpoint: {ex.Message}", innerException: ex);
        }

        _sessionId = sessionId;
        _segments.Clear();
        _segments.AddRange(segments);
        _open = open;
        _lastId = lastId;
        _lastSequence = lastSequence;
    }

    private static OutboxStoreException Unreadable(string why)
        => new(OutboxStoreFailure.Corrupted, $"The outbox's session checkpoint is unreadable ({why}); it was not written by this version of ResilientSockets. Its messages are intact: clear the checkpoint with IOutboxStore.SaveCheckpointAsync(empty) to send them in a new session (at least once), or use the version that wrote it.");

    /// <summary>Durable messages from <c>FirstId</c> went out with sequences from <c>FirstSequence</c>, one more each, up to <c>LastId</c> (0: still open).</summary>
    private readonly record struct Segment(long FirstId, ulong FirstSequence, long LastId);
}
