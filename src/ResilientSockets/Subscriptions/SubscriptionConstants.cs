using System;

namespace ResilientSockets.Subscriptions;

/// <summary>The defaults of <see cref="SubscriptionOptions"/>.</summary>
internal static class SubscriptionConstants
{
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan DefaultHandshakeTimeout = TimeSpan.FromSeconds(10);

    public const int DefaultMaxPendingRequests = 10_000;

    public const int DefaultMaxTopics = 10_000;
}
