using System;
using System.Collections.Generic;
using ResilientSockets.Subscriptions;

namespace ResilientSockets;

/// <summary>
/// Turns on shared subscriptions and requests (<see cref="ResilientWebSocket.Subscribe(string, ReaderOptions?)"/>,
/// <see cref="ResilientWebSocket.RequestAsync(string, ReadOnlyMemory{byte}, RequestOptions?, System.Threading.CancellationToken)"/>)
/// for one application protocol.
/// </summary>
public sealed class SubscriptionOptions
{
    /// <summary>Gets or sets the protocol adapter.</summary>
    /// <value>The default value is <see langword="null"/>; required.</value>
    public ISubscriptionProtocol? Protocol { get; set; }

    /// <summary>Gets or sets how long a request waits for its response unless <see cref="RequestOptions.Timeout"/> says otherwise.</summary>
    /// <value>The default value is 30 seconds. Must be greater than zero.</value>
    public TimeSpan RequestTimeout { get; set; } = SubscriptionConstants.DefaultRequestTimeout;

    /// <summary>Gets or sets how long the protocol handshake (<see cref="ISubscriptionProtocol.HandshakeAsync"/>) may take per connection; past it the attempt fails and is retried per policy.</summary>
    /// <value>The default value is 10 seconds. Must be greater than zero.</value>
    public TimeSpan HandshakeTimeout { get; set; } = SubscriptionConstants.DefaultHandshakeTimeout;

    /// <summary>Gets or sets how many requests may await a response at once; one more fails at once with <see cref="InvalidOperationException"/>.</summary>
    /// <value>The default value is 10,000. Must be at least 1.</value>
    public int MaxPendingRequests { get; set; } = SubscriptionConstants.DefaultMaxPendingRequests;

    /// <summary>Gets or sets how many distinct topics may be subscribed at once; one more fails at once with <see cref="InvalidOperationException"/>.</summary>
    /// <value>The default value is 10,000. Must be at least 1.</value>
    public int MaxTopics { get; set; } = SubscriptionConstants.DefaultMaxTopics;

    internal void Validate(List<string> errors)
    {
        if (Protocol is null)
        {
            errors.Add("Subscriptions.Protocol is required when Subscriptions is set (for example new GraphQLWsProtocol()).");
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            errors.Add($"Subscriptions.RequestTimeout must be greater than zero (was {RequestTimeout}).");
        }

        if (HandshakeTimeout <= TimeSpan.Zero)
        {
            errors.Add($"Subscriptions.HandshakeTimeout must be greater than zero (was {HandshakeTimeout}).");
        }

        if (MaxPendingRequests < 1)
        {
            errors.Add($"Subscriptions.MaxPendingRequests must be at least 1 (was {MaxPendingRequests}).");
        }

        if (MaxTopics < 1)
        {
            errors.Add($"Subscriptions.MaxTopics must be at least 1 (was {MaxTopics}).");
        }
    }

    internal SubscriptionOptions Clone() => (SubscriptionOptions)MemberwiseClone();
}
