using System;

namespace ResilientSockets;

/// <summary>Per-message send settings.</summary>
public readonly struct SendOptions
{
    /// <summary>
    /// Gets how long the message may wait in the queue. When it runs out before the message is written, the send
    /// fails with <see cref="MessageNotSentException"/> (<see cref="MessageDropReason.Expired"/>) at that moment,
    /// instead of a stale command going out minutes late. <see langword="null"/> uses
    /// <see cref="SendQueueOptions.DefaultTimeToLive"/>.
    /// </summary>
    public TimeSpan? TimeToLive { get; init; }

    /// <summary>
    /// Gets a value indicating whether the send completes only when the server has acknowledged the message (needs
    /// <see cref="ResilientWebSocketOptions.Session"/>), rather than when it has been written to the socket. Fails with
    /// <see cref="SessionLostException"/> if the session is lost before the acknowledgement.
    /// </summary>
    public bool WaitForAcknowledgement { get; init; }

    /// <summary>
    /// Gets a value indicating whether the message skips the <see cref="ResilientWebSocketOptions.Outbox"/>: it is held
    /// in memory only, like every send without an outbox, and its send completes when it is written. For messages not
    /// worth keeping across a restart (presence, typing indicators). Without an outbox it changes nothing.
    /// </summary>
    public bool Transient { get; init; }
}
