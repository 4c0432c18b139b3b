using System.Collections.Concurrent;

namespace ResilientSockets.Outbox.Tests;

/// <summary>Clients with an outbox for the client-level tests, and the small waits they need.</summary>
internal static class ClientFactory
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public static ResilientWebSocket Create(Uri uri, IOutboxStore store, Action<OutboxOptions>? configure = null, TimeProvider? time = null)
    {
        var outbox = new OutboxOptions { Store = store };
        configure?.Invoke(outbox);
        return new ResilientWebSocket(new ResilientWebSocketOptions
        {
            Uri = uri,
            Session = uri.AbsolutePath == "/session" ? new ReliableSessionOptions() : null,
            Outbox = outbox,
            Reconnect = { Delay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(200) },
            TimeProvider = time ?? TimeProvider.System,
        });
    }

    /// <summary>
    /// Starts a client whose server may be down: the start completes only with the first connection, so it is not
    /// awaited; its failure when the client is disposed first is observed here.
    /// </summary>
    public static void StartOffline(ResilientWebSocket client) =>
        _ = client.StartAsync().ContinueWith(t => t.Exception, TaskScheduler.Default);

    /// <summary>Collects <see cref="ResilientWebSocket.MessageDropped"/> events; <see cref="NextAsync"/> waits for one.</summary>
    public sealed class Drops
    {
        private readonly BlockingCollection<MessageDroppedEventArgs> _events = [];

        public Drops(ResilientWebSocket client) => client.MessageDropped += (_, e) => _events.Add(e);

        public int Count => _events.Count;

        public Task<MessageDroppedEventArgs> NextAsync() =>
            Task.Run(() => _events.TryTake(out var e, Timeout) ? e : throw new TimeoutException($"No MessageDropped event within {Timeout}."));
    }
}
