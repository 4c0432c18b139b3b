using System;
using System.Collections.Generic;

namespace ResilientSockets.Server;

/// <summary>
/// The options of one session endpoint (<c>MapResilientSessions</c>). Validated once when the endpoint is mapped and
/// copied, so later edits have no effect.
/// </summary>
public sealed class ResilientSessionOptions
{
    /// <summary>Gets or sets how long a detached session is kept for the client to resume it.</summary>
    /// <value>The default value is 2 minutes. Between 1 ms and <see cref="uint.MaxValue"/> ms.</value>
    public TimeSpan ResumeWindow { get; set; } = ResilientSessionDefaults.ResumeWindow;

    /// <summary>
    /// Gets or sets how many sent messages the server keeps until the client acknowledges them (the replay buffer).
    /// When it is full, <see cref="ResilientSession.SendAsync(WebSocketMessage, System.Threading.CancellationToken)"/> waits.
    /// </summary>
    /// <value>The default value is 4096. At least 1.</value>
    public int MaxUnacknowledgedMessages { get; set; } = ResilientSessionDefaults.MaxUnacknowledgedMessages;

    /// <summary>
    /// Gets or sets how many payload bytes the replay buffer holds. When the next message would pass it, sends wait; a
    /// single message larger than this is accepted when the buffer is empty.
    /// </summary>
    /// <value>The default value is 4 MiB. At least 1.</value>
    public long MaxUnacknowledgedBytes { get; set; } = ResilientSessionDefaults.MaxUnacknowledgedBytes;

    /// <summary>Gets or sets after how many received messages the server acknowledges at once.</summary>
    /// <value>The default value is 32. At least 1.</value>
    public int AckEvery { get; set; } = ResilientSessionDefaults.AckEvery;

    /// <summary>Gets or sets how long after the first unacknowledged received message the server acknowledges at the latest.</summary>
    /// <value>The default value is 50 ms. Zero or more (zero: acknowledge every message at once).</value>
    public TimeSpan AckDelay { get; set; } = ResilientSessionDefaults.AckDelay;

    /// <summary>
    /// Gets or sets the largest application message (DATA payload) the server accepts. A larger one closes the
    /// connection with 1009 and ends the session (its replay would fail the same way on every reconnect).
    /// </summary>
    /// <value>The default value is 4 MiB. At least 1.</value>
    public int MaxMessageSize { get; set; } = ResilientSessionDefaults.MaxMessageSize;

    /// <summary>
    /// Gets or sets how many received messages wait for the handler to read them. When full, the server stops reading
    /// that connection (TCP back-pressure) and does not acknowledge more.
    /// </summary>
    /// <value>The default value is 1024. At least 1.</value>
    public int MaxPendingIncomingMessages { get; set; } = ResilientSessionDefaults.MaxPendingIncomingMessages;

    /// <summary>
    /// Gets or sets how many sessions (attached or detached) this endpoint keeps at once. A HELLO that would start one
    /// more is closed with 1013 (try again later).
    /// </summary>
    /// <value>The default value is 10,000. At least 1.</value>
    public int MaxSessions { get; set; } = ResilientSessionDefaults.MaxSessions;

    /// <summary>Gets or sets how long a new connection may take to send its HELLO before it is aborted.</summary>
    /// <value>The default value is 10 seconds. More than zero.</value>
    public TimeSpan HandshakeTimeout { get; set; } = ResilientSessionDefaults.HandshakeTimeout;

    /// <summary>
    /// Gets or sets the WebSocket protocol keep-alive (ping) interval, so a client that vanished without closing is
    /// noticed and its session detached (which starts the resume window). <see cref="TimeSpan.Zero"/> turns it off.
    /// Runs on the WebSocket's own (real) clock, not <see cref="TimeProvider"/>.
    /// </summary>
    /// <value>The default value is 15 seconds.</value>
    public TimeSpan KeepAliveInterval { get; set; } = ResilientSessionDefaults.KeepAliveInterval;

    /// <summary>Gets or sets how long to wait for the pong of a keep-alive ping before the connection is aborted.</summary>
    /// <value>The default value is 15 seconds. <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>: never.</value>
    public TimeSpan KeepAliveTimeout { get; set; } = ResilientSessionDefaults.KeepAliveTimeout;

    /// <summary>Gets or sets the store that finds sessions by id.</summary>
    /// <value>The default value is <see langword="null"/>: a new <see cref="InMemoryResilientSessionStore"/> per endpoint.</value>
    public IResilientSessionStore? Store { get; set; }

    /// <summary>Gets or sets the clock of every timer (resume window, ack delay, handshake timeout).</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="TimeProvider.System"/>.</value>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>Checks every option and throws one exception that lists every problem.</summary>
    /// <exception cref="ArgumentException">One or more options are out of range.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        if (ResumeWindow <= TimeSpan.Zero || ResumeWindow > ResilientSessionDefaults.MaxResumeWindow)
        {
            errors.Add($"ResumeWindow must be more than zero and at most {uint.MaxValue} ms (was {ResumeWindow}).");
        }

        Require(MaxUnacknowledgedMessages >= 1, $"MaxUnacknowledgedMessages must be at least 1 (was {MaxUnacknowledgedMessages}).");
        Require(MaxUnacknowledgedBytes >= 1, $"MaxUnacknowledgedBytes must be at least 1 (was {MaxUnacknowledgedBytes}).");
        Require(AckEvery >= 1, $"AckEvery must be at least 1 (was {AckEvery}).");
        Require(AckDelay >= TimeSpan.Zero, $"AckDelay must be zero or more (was {AckDelay}).");
        Require(MaxMessageSize >= 1 && MaxMessageSize <= int.MaxValue - 64, $"MaxMessageSize must be at least 1 (was {MaxMessageSize}).");
        Require(MaxPendingIncomingMessages >= 1, $"MaxPendingIncomingMessages must be at least 1 (was {MaxPendingIncomingMessages}).");
        Require(MaxSessions >= 1, $"MaxSessions must be at least 1 (was {MaxSessions}).");
        Require(HandshakeTimeout > TimeSpan.Zero, $"HandshakeTimeout must be more than zero (was {HandshakeTimeout}).");
        Require(KeepAliveInterval >= TimeSpan.Zero, $"KeepAliveInterval must be zero or more (was {KeepAliveInterval}).");
        Require(KeepAliveTimeout > TimeSpan.Zero || KeepAliveTimeout == System.Threading.Timeout.InfiniteTimeSpan, $"KeepAliveTimeout must be more than zero or infinite (was {KeepAliveTimeout}).");
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid ResilientSessionOptions: " + string.Join(" ", errors));
        }

        void Require(bool condition, string error)
        {
            if (!condition)
            {
                errors.Add(error);
            }
        }
    }

    internal ResilientSessionOptions Clone() => (ResilientSessionOptions)MemberwiseClone();
}
