using System;
using System.Net.WebSockets;

namespace ResilientSockets.Outbox;

/// <summary>
/// One outbound message held by an <see cref="IOutboxStore"/> until it has been sent (or acknowledged): its type, its
/// payload, when it was accepted and, optionally, when it stops being worth sending.
/// </summary>
public sealed class OutboxRecord
{
    /// <summary>Creates a record that has not been stored yet (its <see cref="Id"/> is 0).</summary>
    /// <param name="messageType">Text or binary; <see cref="WebSocketMessageType.Close"/> is not a message.</param>
    /// <param name="payload">The message bytes (UTF-8 for text). The store keeps its own copy.</param>
    /// <param name="enqueuedAt">When the application handed the message over.</param>
    /// <param name="expiresAt">When the message expires (an expired message is reported, not sent); <see langword="null"/>: never.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="messageType"/> is not text or binary.</exception>
    public OutboxRecord(WebSocketMessageType messageType, ReadOnlyMemory<byte> payload, DateTimeOffset enqueuedAt, DateTimeOffset? expiresAt = null)
        : this(0, messageType, payload, enqueuedAt, expiresAt)
    {
    }

    /// <summary>
    /// Creates a record as a store returns it from <see cref="IOutboxStore.LoadPendingAsync"/>: with the id the store
    /// gave it. For implementers of <see cref="IOutboxStore"/>.
    /// </summary>
    /// <param name="id">The durable sequence id.</param>
    /// <param name="messageType">Text or binary.</param>
    /// <param name="payload">The message bytes.</param>
    /// <param name="enqueuedAt">When the application handed the message over.</param>
    /// <param name="expiresAt">When the message expires; <see langword="null"/>: never.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="messageType"/> is not text or binary.</exception>
    public OutboxRecord(long id, WebSocketMessageType messageType, ReadOnlyMemory<byte> payload, DateTimeOffset enqueuedAt, DateTimeOffset? expiresAt)
    {
        if (messageType != WebSocketMessageType.Text && messageType != WebSocketMessageType.Binary)
        {
            throw new ArgumentOutOfRangeException(nameof(messageType), messageType, "An outbox record is a text or a binary message.");
        }

        Id = id;
        MessageType = messageType;
        Payload = payload;
        EnqueuedAt = enqueuedAt;
        ExpiresAt = expiresAt;
    }

    /// <summary>Gets the durable sequence id the store gave the record: unique and increasing, never reused; 0 before it is stored.</summary>
    public long Id { get; }

    /// <summary>Gets whether the message is text or binary.</summary>
    public WebSocketMessageType MessageType { get; }

    /// <summary>Gets the message bytes.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>Gets when the application handed the message over.</summary>
    public DateTimeOffset EnqueuedAt { get; }

    /// <summary>Gets when the message expires, or <see langword="null"/> when it never does.</summary>
    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>Whether the message has expired at <paramref name="now"/>.</summary>
    /// <param name="now">The current time.</param>
    /// <returns><see langword="true"/> when <see cref="ExpiresAt"/> is set and not after <paramref name="now"/>.</returns>
    public bool IsExpired(DateTimeOffset now) => ExpiresAt is { } expiresAt && expiresAt <= now;

    internal OutboxRecord WithId(long id, ReadOnlyMemory<byte> payload) => new(id, MessageType, payload, EnqueuedAt, ExpiresAt);
}
