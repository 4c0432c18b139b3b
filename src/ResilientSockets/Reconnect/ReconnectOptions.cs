using System;
using System.Collections.Generic;
using System.Net.WebSockets;
using Polly;
using ResilientSockets.Reconnect;

namespace ResilientSockets;

/// <summary>How the client connects and reconnects.</summary>
/// <remarks>
/// Between failed attempts the default pipeline waits <c>base = min(Delay · 2^(n−1), MaxDelay)</c> after the
/// n-th consecutive failure, jittered uniformly in <c>[base/2, base]</c> (or the server's <c>Retry-After</c>, if longer).
/// After a connection that stayed open for <see cref="MinUptime"/> the count starts again and the first reconnect
/// attempt waits a random time in <c>[0, Delay)</c>, so a fleet dropped together does not return together.
/// </remarks>
public sealed class ReconnectOptions
{
    /// <summary>Gets or sets the base delay of the exponential backoff.</summary>
    /// <value>The default value is 1 second. Must be greater than zero.</value>
    public TimeSpan Delay { get; set; } = ReconnectConstants.DefaultDelay;

    /// <summary>Gets or sets the upper bound of the backoff delay (a server's <c>Retry-After</c> may exceed it).</summary>
    /// <value>The default value is 30 seconds. Must be at least <see cref="Delay"/>.</value>
    public TimeSpan MaxDelay { get; set; } = ReconnectConstants.DefaultMaxDelay;

    /// <summary>
    /// Gets or sets how many consecutive failed attempts (a connection that closed before <see cref="MinUptime"/> counts as one)
    /// are made before the client gives up and enters <see cref="ConnectionState.Faulted"/>.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: unlimited. Must be at least 1 when set.</value>
    public int? MaxAttempts { get; set; }

    /// <summary>Gets or sets the time limit of one attempt: handshake plus the on-connected hook. Enforced by a Polly timeout.</summary>
    /// <value>The default value is 15 seconds. Must be greater than zero.</value>
    public TimeSpan ConnectTimeout { get; set; } = ReconnectConstants.DefaultConnectTimeout;

    /// <summary>Gets or sets how long a connection must stay open before the backoff is reset.</summary>
    /// <value>The default value is 10 seconds. Must not be negative.</value>
    public TimeSpan MinUptime { get; set; } = ReconnectConstants.DefaultMinUptime;

    /// <summary>
    /// Gets or sets a value indicating whether a failure of the very first connection ends <c>StartAsync</c> at once
    /// (the client enters <see cref="ConnectionState.Faulted"/>) instead of being retried like a reconnect.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool FailFastOnStart { get; set; }

    /// <summary>
    /// Gets or sets the handshake status codes that no retry can fix; such an answer faults the client. Replace the set
    /// in an object initializer, or edit the default in place; the client copies it at construction.
    /// </summary>
    /// <example>
    /// <code>
    /// Reconnect = { NonRetryableStatusCodes = new HashSet&lt;int&gt; { 401, 403, 404 } }  // retry 400s
    /// </code>
    /// </example>
    /// <value>
    /// The default value is 400, 401, 403 and 404. Must not be <see langword="null"/> (an empty set retries every status);
    /// each code must be an HTTP status from 100 to 599 other than 101 (the handshake's success).
    /// </value>
    public ISet<int> NonRetryableStatusCodes { get; set; } = new HashSet<int>(ReconnectConstants.DefaultNonRetryableStatusCodes);

    /// <summary>
    /// Gets or sets a predicate over a close status (and description) sent by the server: <see langword="true"/> means
    /// "go away for good" and faults the client instead of reconnecting.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: every server close is followed by a reconnect.</value>
    public Func<WebSocketCloseStatus?, string?, bool>? ShouldStopOnClose { get; set; }

    /// <summary>
    /// Gets or sets a pipeline that replaces the default retry-plus-timeout pipeline. It wraps one connection attempt
    /// (handshake and on-connected hook); a failed attempt throws <see cref="WebSocketConnectException"/> whose
    /// <see cref="WebSocketConnectException.IsTransient"/> tells whether retrying can help. When set,
    /// <see cref="Delay"/> still spaces the first reconnect after a stable connection, and the pipeline owns the rest.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public ResiliencePipeline? Pipeline { get; set; }

    internal ReconnectOptions Clone() => new()
    {
        Delay = Delay,
        MaxDelay = MaxDelay,
        MaxAttempts = MaxAttempts,
        ConnectTimeout = ConnectTimeout,
        MinUptime = MinUptime,
        FailFastOnStart = FailFastOnStart,
        NonRetryableStatusCodes = new HashSet<int>(NonRetryableStatusCodes ?? new HashSet<int>()),
        ShouldStopOnClose = ShouldStopOnClose,
        Pipeline = Pipeline,
    };

    internal void Validate(List<string> errors)
    {
        if (Delay <= TimeSpan.Zero)
        {
            errors.Add($"Reconnect.Delay must be greater than zero (was {Delay}).");
        }

        if (MaxDelay < Delay)
        {
            errors.Add($"Reconnect.MaxDelay must be at least Reconnect.Delay (was {MaxDelay}, Delay {Delay}).");
        }

        if (MaxAttempts is < 1)
        {
            errors.Add($"Reconnect.MaxAttempts must be at least 1, or null for unlimited (was {MaxAttempts}).");
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            errors.Add($"Reconnect.ConnectTimeout must be greater than zero (was {ConnectTimeout}).");
        }

        if (MinUptime < TimeSpan.Zero)
        {
            errors.Add($"Reconnect.MinUptime must not be negative (was {MinUptime}).");
        }

        if (NonRetryableStatusCodes is null)
        {
            errors.Add("Reconnect.NonRetryableStatusCodes must not be null (use an empty set to retry every status).");
        }
        else
        {
            foreach (var code in NonRetryableStatusCodes)
            {
                if (code is < 100 or > 599 or 101)
                {
                    errors.Add($"Reconnect.NonRetryableStatusCodes must hold HTTP status codes from 100 to 599 other than 101, the handshake's success (had {code}).");
                }
            }
        }
    }
}
