using System;

namespace ResilientSockets.Reconnect;

internal static class ReconnectConstants
{
    public static readonly TimeSpan DefaultDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan DefaultMinUptime = TimeSpan.FromSeconds(10);
    public static readonly int[] DefaultNonRetryableStatusCodes = [400, 401, 403, 404];
}
