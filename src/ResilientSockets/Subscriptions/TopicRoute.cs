using System;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Receiving;

namespace ResilientSockets.Subscriptions;

/// <summary>One wire subscription (one topic and its arguments) and the consumers that share it. Mutated under the engine's lock.</summary>
internal sealed class TopicRoute
{
    public TopicRoute(string key, string topic, byte[] arguments, string id)
    {
        Key = key;
        Topic = topic;
        Arguments = arguments;
        Id = id;
        IdKey = Utf8Key.Of(id);
        TopicKey = Utf8Key.Of(topic);
    }

    /// <summary>Gets the reference-count key: the topic and its arguments.</summary>
    public string Key { get; }

    public string Topic { get; }

    public byte[] Arguments { get; }

    public string Id { get; }

    public Utf8Key IdKey { get; }

    public Utf8Key TopicKey { get; }

    /// <summary>Gets or sets the consumers' queues (replaced, never changed in place, so the receive loop reads it without the lock).</summary>
    public ReaderQueue[] Consumers { get; set; } = [];

    /// <summary>Gets or sets the subscribe message still queued, if any: while it is pending, a reconnect leaves it to the queue.</summary>
    public Task? PendingSubscribe { get; set; }

    /// <summary>Gets or sets what withdraws <see cref="PendingSubscribe"/> when the last consumer leaves before it was written.</summary>
    public CancellationTokenSource? Withdraw { get; set; }

    /// <summary>Gets or sets a value indicating whether the route is gone (last consumer left, refused, completed by the server).</summary>
    public bool Ended { get; set; }
}
