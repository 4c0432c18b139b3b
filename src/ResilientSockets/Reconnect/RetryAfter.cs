using System;
using System.Globalization;

namespace ResilientSockets.Reconnect;

internal static class RetryAfter
{
    /// <summary>Parses a Retry-After value: delta-seconds, or an HTTP date relative to <paramref name="now"/>.</summary>
    public static TimeSpan? Parse(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        value = value!.Trim();
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            // A hostile or broken header must not park the client for years.
            return TimeSpan.FromSeconds(Math.Min(seconds, (long)TimeSpan.FromDays(1).TotalSeconds));
        }

        if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            var delta = date - now;
            return delta <= TimeSpan.Zero ? TimeSpan.Zero : (delta > TimeSpan.FromDays(1) ? TimeSpan.FromDays(1) : delta);
        }

        return null;
    }
}
