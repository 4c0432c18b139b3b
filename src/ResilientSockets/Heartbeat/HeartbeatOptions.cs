using System;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Threading;

namespace ResilientSockets;

/// <summary>
/// How the client notices a dead link: an application-level ping/pong, protocol-level keep-alive, a no-message timeout
/// and a write timeout. A link that fails any of them is aborted and the client reconnects.
/// </summary>
/// <remarks>
/// The app-level heartbeat is off by default because it is a contract with the server (it must answer the ping);
/// protocol keep-alive (RFC 6455 PING/PONG, answered by every compliant server) and the send timeout are on.
/// </remarks>
public sealed class HeartbeatOptions
{
    internal static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(30);
    internal static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    internal static readonly TimeSpan DefaultKeepAliveInterval = TimeSpan.FromSeconds(30);
    internal static readonly TimeSpan DefaultKeepAliveTimeout = TimeSpan.FromSeconds(10);
    internal static readonly TimeSpan DefaultSendTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets a value indicating whether the app-level ping/pong runs while the connection is open.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool Enabled { get; set; }

    /// <summary>Gets or sets the time from one ping cycle's start (connection open, or the previous pong) to the next ping.</summary>
    /// <value>The default value is 30 seconds. Must be greater than zero.</value>
    public TimeSpan Interval { get; set; } = DefaultInterval;

    /// <summary>Gets or sets how long to wait for the pong; without it the link is declared dead.</summary>
    /// <value>The default value is 10 seconds. Must be greater than zero.</value>
    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    /// <summary>Gets or sets the ping to send, given its 1-based sequence number on this connection (to carry a counter or a timestamp).</summary>
    /// <value>The default value sends the text <c>{"type":"ping"}</c>.</value>
    public Func<long, WebSocketMessage> PingMessage { get; set; } = HeartbeatDefaults.Ping;

    /// <summary>Gets or sets the predicate that recognises a pong. Pongs are consumed: readers and handlers never see them.</summary>
    /// <value>The default value matches a text message that is a JSON object whose <c>type</c> is <c>"pong"</c>.</value>
    public Func<WebSocketMessage, bool> IsPong { get; set; } = HeartbeatDefaults.IsJsonPong;

    /// <summary>Gets or sets a value indicating whether any message received while a pong is awaited also proves the link alive.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool AnyMessageIsAlive { get; set; }

    /// <summary>Gets or sets a limit on silence: when nothing at all arrives for this long, the link is declared dead. For servers that push on their own.</summary>
    /// <value>The default value is <see langword="null"/> (off). Must be greater than zero when set.</value>
    public TimeSpan? ReceiveTimeout { get; set; }

    /// <summary>
    /// Gets or sets the longest one frame write may take. A peer that stops reading makes writes block (on Linux for many
    /// minutes); past this limit the link is aborted and the message goes first on the next connection.
    /// </summary>
    /// <value>The default value is 30 seconds. <see langword="null"/> turns it off. Must be greater than zero when set.</value>
    public TimeSpan? SendTimeout { get; set; } = DefaultSendTimeout;

    /// <summary>Gets or sets the interval of protocol-level PING frames (<see cref="ClientWebSocketOptions.KeepAliveInterval"/>). <see cref="TimeSpan.Zero"/> turns them off.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan KeepAliveInterval { get; set; } = DefaultKeepAliveInterval;

    /// <summary>
    /// Gets or sets how long to wait for the PONG to a protocol-level PING before the runtime aborts the link
    /// (<c>ClientWebSocketOptions.KeepAliveTimeout</c>, .NET 9 and later; ignored by the netstandard2.0 build, where
    /// keep-alive PINGs are sent unsolicited and never awaited). <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> turns it off.
    /// </summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan KeepAliveTimeout { get; set; } = DefaultKeepAliveTimeout;

    internal HeartbeatOptions Clone() => (HeartbeatOptions)MemberwiseClone();

    internal void Validate(List<string> errors)
    {
        if (Interval <= TimeSpan.Zero)
        {
            errors.Add($"Heartbeat.Interval must be greater than zero (was {Interval}).");
        }

        if (Timeout <= TimeSpan.Zero)
        {
            errors.Add($"Heartbeat.Timeout must be greater than zero (was {Timeout}).");
        }

        if (PingMessage is null)
        {
            errors.Add("Heartbeat.PingMessage must not be null.");
        }

        if (IsPong is null)
        {
            errors.Add("Heartbeat.IsPong must not be null.");
        }

        if (ReceiveTimeout is { } receive && receive <= TimeSpan.Zero)
        {
            errors.Add($"Heartbeat.ReceiveTimeout must be greater than zero when set (was {receive}).");
        }

        if (SendTimeout is { } send && send <= TimeSpan.Zero)
        {
            errors.Add($"Heartbeat.SendTimeout must be greater than zero when set (was {send}).");
        }

        if (KeepAliveInterval < TimeSpan.Zero && KeepAliveInterval != System.Threading.Timeout.InfiniteTimeSpan)
        {
            errors.Add($"Heartbeat.KeepAliveInterval must not be negative (was {KeepAliveInterval}).");
        }

        if (KeepAliveTimeout <= TimeSpan.Zero && KeepAliveTimeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            errors.Add($"Heartbeat.KeepAliveTimeout must be greater than zero, or Timeout.InfiniteTimeSpan (was {KeepAliveTimeout}).");
        }
    }
}
