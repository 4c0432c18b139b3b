using System;

namespace ResilientSockets.Reconnect;

/// <summary>The delay formulas documented on <see cref="ReconnectOptions"/>; pure, so tests can check exact bounds.</summary>
internal static class Backoff
{
    /// <summary>Delay after the <paramref name="failures"/>-th consecutive failure (1-based): uniform in [base/2, base], base = min(delay·2^(n−1), maxDelay).</summary>
    public static TimeSpan AfterFailure(int failures, TimeSpan delay, TimeSpan maxDelay, double random01)
    {
        var upper = UpperBound(failures, delay, maxDelay);
        return TimeSpan.FromTicks((long)((upper.Ticks / 2.0) + (upper.Ticks / 2.0 * random01)));
    }

    public static TimeSpan UpperBound(int failures, TimeSpan delay, TimeSpan maxDelay)
    {
        var exponent = Math.Min(Math.Max(failures, 1) - 1, 40);
        var ticks = Math.Min(delay.Ticks * Math.Pow(2, exponent), maxDelay.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Delay before the first reconnect after a stable connection: uniform in [0, delay), to spread a fleet.</summary>
    public static TimeSpan AfterStableConnection(TimeSpan delay, double random01) => TimeSpan.FromTicks((long)(delay.Ticks * random01));

    /// <summary>A server's Retry-After is a floor: never try earlier than asked.</summary>
    public static TimeSpan WithRetryAfter(TimeSpan backoff, TimeSpan? retryAfter)
        => retryAfter is { } asked && asked > backoff ? asked : backoff;
}
