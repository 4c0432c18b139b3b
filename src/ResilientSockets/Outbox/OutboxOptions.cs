using System;
using System.Collections.Generic;
using ResilientSockets.Outbox;

namespace ResilientSockets;

/// <summary>
/// The durable outbox (<see cref="ResilientWebSocketOptions.Outbox"/>): every application send is stored before its call
/// returns, and stays stored until it has been written (no session) or acknowledged by the server (with
/// <see cref="ResilientWebSocketOptions.Session"/>), across reconnects and, with a durable store, process restarts.
/// </summary>
/// <remarks>
/// The store is the application's: the client reads and writes it but never disposes it. One store serves one client
/// at a time. With a durable outbox a completed send means "stored", not "written": the message goes out once a
/// connection is open, in the order it was accepted, after whatever was pending when the client started.
/// </remarks>
public sealed class OutboxOptions
{
    internal const int DefaultMaxMessages = 100_000;
    internal const long DefaultMaxBytes = 64L * 1024 * 1024;

    /// <summary>
    /// Gets or sets where accepted messages are kept: an <see cref="InMemoryOutboxStore"/> (survives reconnects, not a
    /// restart) or <c>SqliteOutboxStore</c> from the ResilientSockets.Outbox.Sqlite package (survives a process kill and,
    /// with its default durability, a power loss).
    /// </summary>
    /// <value>Required: there is no default.</value>
    public IOutboxStore? Store { get; set; }

    /// <summary>Gets or sets how many messages the outbox holds (pending plus waiting for acknowledgement). When reached, <see cref="OverflowPolicy"/> applies.</summary>
    /// <value>The default value is 100,000. Must be at least 1.</value>
    public int MaxMessages { get; set; } = DefaultMaxMessages;

    /// <summary>Gets or sets how many payload bytes the outbox holds. When reached, <see cref="OverflowPolicy"/> applies (one message is always allowed).</summary>
    /// <value>The default value is 64 MiB. Must be at least 1.</value>
    public long MaxBytes { get; set; } = DefaultMaxBytes;

    /// <summary>
    /// Gets or sets what a durable send does when the outbox is full: <see cref="ResilientSockets.OverflowPolicy.Reject"/>
    /// fails it with <see cref="MessageNotSentException"/> (<see cref="MessageDropReason.QueueFull"/>);
    /// <see cref="ResilientSockets.OverflowPolicy.Wait"/> waits until a message leaves; the two drop policies remove the
    /// oldest or newest message not yet written and report it through <see cref="ResilientWebSocket.MessageDropped"/>.
    /// </summary>
    /// <value>The default value is <see cref="ResilientSockets.OverflowPolicy.Reject"/>.</value>
    public OverflowPolicy OverflowPolicy { get; set; } = OverflowPolicy.Reject;

    /// <summary>
    /// Gets or sets how long a durable message stays worth sending when its <see cref="SendOptions.TimeToLive"/> says
    /// nothing. The deadline is stored with the message, so it holds across restarts; an expired message is removed and
    /// reported through <see cref="ResilientWebSocket.MessageDropped"/> (<see cref="MessageDropReason.Expired"/>), never sent.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: messages do not expire. Must be greater than zero when set.</value>
    public TimeSpan? DefaultTimeToLive { get; set; }

    internal OutboxOptions Clone() => (OutboxOptions)MemberwiseClone();

    internal void Validate(List<string> errors)
    {
        if (Store is null)
        {
            errors.Add("Outbox.Store is required: new InMemoryOutboxStore(), or await SqliteOutboxStore.OpenAsync(...) from the ResilientSockets.Outbox.Sqlite package.");
        }

        if (MaxMessages < 1)
        {
            errors.Add($"Outbox.MaxMessages must be at least 1 (was {MaxMessages}).");
        }

        if (MaxBytes < 1)
        {
            errors.Add($"Outbox.MaxBytes must be at least 1 (was {MaxBytes}).");
        }

        if (!Enum.IsDefined(typeof(OverflowPolicy), OverflowPolicy))
        {
            errors.Add($"Outbox.OverflowPolicy has an unknown value ({(int)OverflowPolicy}).");
        }

        if (DefaultTimeToLive is { } ttl && ttl <= TimeSpan.Zero)
        {
            errors.Add($"Outbox.DefaultTimeToLive must be greater than zero when set (was {ttl}).");
        }
    }
}
