using System;
using System.Net.WebSockets;
using System.Threading.Tasks;

namespace ResilientSockets.Outbox;

/// <summary>
/// One durable message as the client holds it: its payload (the client's own copy, kept until the message leaves the
/// store, because a lost session sends it again), its place in acceptance order, and its store id once the append
/// committed.
/// </summary>
internal sealed class OutboxEntry
{
    private long _id;

    /// <summary>Initializes an entry whose append is under way.</summary>
    public OutboxEntry(long order, Task<long> append, WebSocketMessageType messageType, byte[] payload, DateTimeOffset? expiresAt)
    {
        Order = order;
        Append = append;
        MessageType = messageType;
        Payload = payload;
        ExpiresAt = expiresAt;
    }

    /// <summary>Initializes an entry loaded from the store at start.</summary>
    public OutboxEntry(long order, long id, WebSocketMessageType messageType, byte[] payload, DateTimeOffset? expiresAt)
    {
        Order = order;
        _id = id;
        MessageType = messageType;
        Payload = payload;
        ExpiresAt = expiresAt;
    }

    /// <summary>Gets the acceptance order: increasing in the order sends reached the outbox (and, for loaded entries, store order).</summary>
    public long Order { get; }

    /// <summary>Gets the store append, or <see langword="null"/> for a loaded entry.</summary>
    public Task<long>? Append { get; }

    public WebSocketMessageType MessageType { get; }

    public byte[] Payload { get; }

    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>Gets or sets a value indicating whether the send loop is writing it: it can no longer be evicted.</summary>
    public bool InFlight { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the message may already have reached the server: sent in a session that
    /// was then lost, or mapped by the checkpoint of an earlier run. Such a message is sent again, but never expired or
    /// evicted (that would report "not sent" for something that may have been delivered).
    /// </summary>
    public bool MaybeDelivered { get; set; }

    /// <summary>Gets or sets why the entry left without being sent (expired, evicted), or <see langword="null"/>.</summary>
    public MessageDropReason? DropReason { get; set; }

    /// <summary>Gets or sets a value indicating whether the entry has left the outbox (any way); guards double removal.</summary>
    public bool Removed { get; set; }

    /// <summary>Gets a value indicating whether the store accepted the entry (its id is known).</summary>
    public bool IsStored => _id != 0 || (Append is { } append && append.Status == TaskStatus.RanToCompletion);

    /// <summary>Gets a value indicating whether the append failed (the sender was told; the entry is to be forgotten).</summary>
    public bool IsFailed => Append is { IsCompleted: true } append && append.Status != TaskStatus.RanToCompletion;

    /// <summary>Gets the store id; valid once <see cref="IsStored"/>.</summary>
    public long Id
    {
        get
        {
            if (_id == 0 && Append is { Status: TaskStatus.RanToCompletion } append)
            {
                _id = append.Result;
            }

            return _id;
        }
    }

    public bool IsExpired(DateTimeOffset now) => ExpiresAt is { } expiresAt && expiresAt <= now;
}
