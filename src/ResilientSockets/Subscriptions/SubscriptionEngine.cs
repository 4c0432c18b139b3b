using System;
using System.Buffers;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using ResilientSockets.Connection;
using ResilientSockets.Diagnostics;
using ResilientSockets.Internal;
using ResilientSockets.Receiving;

namespace ResilientSockets.Subscriptions;

/// <summary>
/// Shared subscriptions and correlated requests over one client: reference-counted routes (one wire subscription per
/// topic), restored on every new connection after the on-connected hook and before the queue flushes; pending requests
/// with timeouts, cancellation and the in-flight policy. The receive loop hands it every text message first.
/// </summary>
internal sealed partial class SubscriptionEngine
{
    // Protocol messages (subscribe, unsubscribe, requests) are never durable: each belongs to one connection's state.
    private static readonly SendOptions Transient = new() { Transient = true };
    private readonly object _gate = new();
    private readonly ResilientWebSocket _client;
    private readonly ISubscriptionProtocol _protocol;
    private readonly SubscriptionOptions _options;
    private readonly ReaderHub _hub;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<string, TopicRoute> _byKey = new(StringComparer.Ordinal);
    private readonly Dictionary<Utf8Key, TopicRoute> _routes = new(); // by subscription id and by topic
    private readonly Dictionary<Utf8Key, PendingRequest> _requests = new();
    private readonly MessageBuffer _reply = new(64); // only the receive loop uses it
    private long _nextId;
    private bool _completed;
    private Exception? _completionError;

    public SubscriptionEngine(ResilientWebSocket client, SubscriptionOptions options, ReaderHub hub, TimeProvider time, ILogger logger)
    {
        _client = client;
        _options = options;
        _protocol = options.Protocol!;
        _hub = hub;
        _time = time;
        _logger = logger;
    }

    public string? SubProtocol => _protocol.SubProtocol;

    /// <summary>Gets how many topics have a wire subscription (for tests of bounded state).</summary>
    public int RouteCount
    {
        get
        {
            lock (_gate)
            {
                return _byKey.Count;
            }
        }
    }

    public WebSocketMessageReader Subscribe(string topic, ReadOnlyMemory<byte> arguments, ReaderOptions? options)
    {
        var queue = _hub.CreateQueue(options, "topic:" + topic);
        var key = arguments.IsEmpty ? topic : topic + "\n" + System.Text.Encoding.UTF8.GetString(arguments.ToArray());
        TopicRoute route;
        var isNew = false;
        lock (_gate)
        {
            if (_completed)
            {
                queue.Complete(_completionError, discard: false);
                return new WebSocketMessageReader(_hub, queue, static _ => { });
            }

            if (!_byKey.TryGetValue(key, out route!))
            {
                if (_byKey.Count >= _options.MaxTopics)
                {
                    throw new InvalidOperationException($"Cannot subscribe to '{topic}': {_byKey.Count} topics are subscribed already (SubscriptionOptions.MaxTopics). Dispose subscriptions you no longer read.");
                }

                route = new TopicRoute(key, topic, arguments.ToArray(), "s" + Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture));
                _byKey.Add(key, route);
                _routes[route.IdKey] = route;
                if (!_routes.ContainsKey(route.TopicKey))
                {
                    _routes.Add(route.TopicKey, route);
                }

                isNew = true;
            }

            var consumers = new ReaderQueue[route.Consumers.Length + 1];
            route.Consumers.CopyTo(consumers, 0);
            consumers[^1] = queue;
            route.Consumers = consumers;
            if (isNew)
            {
                // Set before the send starts, so a reconnect racing with it sees the subscribe as the queue's job.
                route.Withdraw = new CancellationTokenSource();
                route.PendingSubscribe = SendSubscribeAsync(route);
                route.PendingSubscribe.Forget();
            }
        }

        return new WebSocketMessageReader(_hub, queue, q => Leave(route, q));
    }

    /// <summary>Runs on every new connection after the on-connected hook: the protocol handshake, then every live subscription and interrupted idempotent request.</summary>
    public async ValueTask OnConnectedAsync(ConnectedContext connection, CancellationToken cancellationToken)
    {
        try
        {
            await RestoreAsync(connection, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            connection.Finish(); // an adapter that kept the context cannot write around the send loop later
        }
    }

    private async ValueTask RestoreAsync(ConnectedContext connection, CancellationToken cancellationToken)
    {
        using (var timeout = _time.CreateTimeoutSource(_options.HandshakeTimeout))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken))
        {
            try
            {
                await _protocol.HandshakeAsync(connection, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                var message = $"The {_protocol.GetType().Name} handshake did not complete within SubscriptionOptions.HandshakeTimeout ({_options.HandshakeTimeout}): the server never acknowledged the connection. The attempt counts as failed and is retried per policy.";
                Log.ProtocolHandshakeFailed(_logger, message);
                throw new WebSocketConnectException(message, new ProtocolHandshakeException(message), isTransient: true);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OperationCanceledException and not WebSocketConnectException)
            {
                var message = $"The {_protocol.GetType().Name} handshake failed ({ex.GetType().Name}: {ex.Message}); the attempt counts as failed and is retried per policy.";
                Log.ProtocolHandshakeFailed(_logger, message);
                throw new WebSocketConnectException(message, ex as ProtocolHandshakeException ?? new ProtocolHandshakeException(message, ex), isTransient: true);
            }
        }

        List<TopicRoute> routes;
        List<PendingRequest> resend;
        lock (_gate)
        {
            routes = new List<TopicRoute>(_byKey.Count);
            foreach (var route in _byKey.Values)
            {
                // A subscribe still queued goes out with the queue, right after this: sending it here too would duplicate it.
                if (route.PendingSubscribe is null or { IsCompleted: true })
                {
                    routes.Add(route);
                }
            }

            resend = new List<PendingRequest>();
            foreach (var request in _requests.Values)
            {
                if (request.Resend)
                {
                    resend.Add(request);
                }
            }
        }

        foreach (var route in routes)
        {
            await connection.SendAsync(Build(route, subscribe: true), WebSocketMessageType.Text, cancellationToken).ConfigureAwait(false);
            bool ended;
            lock (_gate)
            {
                ended = route.Ended && route.Consumers.Length == 0;
            }

            if (ended && Build(route, subscribe: false) is { Length: > 0 } unsubscribe)
            {
                // The last consumer left while this connection was being set up.
                await connection.SendAsync(unsubscribe, WebSocketMessageType.Text, cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var request in resend)
        {
            await connection.SendAsync(request.Message, WebSocketMessageType.Text, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                request.Resend = false;
                request.Written = true;
            }
        }

        if (routes.Count > 0 || resend.Count > 0)
        {
            Log.SubscriptionsRestored(_logger, routes.Count, resend.Count);
        }
    }

    /// <summary>Follows the client's state: a lost link applies the in-flight policy; a stop or fault ends everything.</summary>
    public void OnStateChanged(ConnectionStateChangedEventArgs change)
    {
        switch (change.State)
        {
            case ConnectionState.Reconnecting:
                OnConnectionLost();
                break;
            case ConnectionState.Closing or ConnectionState.Closed:
                Complete(null);
                break;
            case ConnectionState.Faulted:
                Complete(new ResilientWebSocketException($"The client faulted: {change.Cause?.Message}", change.Cause));
                break;
        }
    }

    private void Leave(TopicRoute route, ReaderQueue queue)
    {
        var last = false;
        lock (_gate)
        {
            var index = Array.IndexOf(route.Consumers, queue);
            if (index >= 0)
            {
                var next = new ReaderQueue[route.Consumers.Length - 1];
                Array.Copy(route.Consumers, 0, next, 0, index);
                Array.Copy(route.Consumers, index + 1, next, index, route.Consumers.Length - index - 1);
                route.Consumers = next;
                if (next.Length == 0 && !route.Ended)
                {
                    route.Ended = true;
                    Forget(route);
                    last = true;
                }
            }
        }

        queue.Complete(null, discard: true);
        if (last)
        {
            UnsubscribeAsync(route).Forget();
        }
    }

    private async Task UnsubscribeAsync(TopicRoute route)
    {
        // Withdraw the subscribe if it is still queued: then the server never heard of it and needs no unsubscribe.
        route.Withdraw?.Cancel();
        if (route.PendingSubscribe is { } pending)
        {
            try
            {
                await pending.ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Withdrawn or never sent: either way there is nothing to undo on the server.
            catch (Exception)
#pragma warning restore CA1031
            {
                return;
            }
        }

        // Reconnecting: the server's subscription died with the link, and no new connection will restore it. Connecting:
        // the connect step may just have restored it, so the unsubscribe follows it through the queue (harmless if not).
        if (_client.State is not (ConnectionState.Open or ConnectionState.Connecting) || Build(route, subscribe: false) is not { Length: > 0 } message)
        {
            return;
        }

        try
        {
            await _client.SendAsync(message, WebSocketMessageType.Text, Transient).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The link or the client went away: the server forgets the subscription with the connection.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.ControlMessageNotSent(_logger, "unsubscribe", route.Topic, ex.Message);
        }
    }

    private async Task SendSubscribeAsync(TopicRoute route)
    {
        try
        {
            await _client.SendAsync(Build(route, subscribe: true), WebSocketMessageType.Text, Transient, route.Withdraw!.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw; // withdrawn: the last consumer left before it was written
        }
        catch (Exception ex)
        {
            // Rejected or stopped: a later connection restores it (the route stays), unless the client is ending.
            Log.ControlMessageNotSent(_logger, "subscribe", route.Topic, ex.Message);
            throw;
        }
    }

    private byte[] Build(TopicRoute route, bool subscribe)
    {
        var output = new MessageBuffer(128);
        if (subscribe)
        {
            _protocol.WriteSubscribe(output, route.Id, route.Topic, route.Arguments);
        }
        else
        {
            _protocol.WriteUnsubscribe(output, route.Id, route.Topic);
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>Removes the route from the maps (the caller holds the lock).</summary>
    private void Forget(TopicRoute route)
    {
        _byKey.Remove(route.Key);
        _routes.Remove(route.IdKey);
        if (_routes.TryGetValue(route.TopicKey, out var byTopic) && ReferenceEquals(byTopic, route))
        {
            _routes.Remove(route.TopicKey);
        }
    }

    /// <summary>Ends the route's consumers (refused with an error, or completed by the server) without an unsubscribe.</summary>
    private void EndRoute(TopicRoute route, Exception? error)
    {
        ReaderQueue[] consumers;
        lock (_gate)
        {
            if (route.Ended)
            {
                return;
            }

            route.Ended = true;
            Forget(route);
            consumers = route.Consumers;
        }

        foreach (var consumer in consumers)
        {
            consumer.Complete(error, discard: false);
        }
    }

    private void Complete(Exception? error)
    {
        List<TopicRoute> routes;
        List<PendingRequest> requests;
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            _completionError = error;
            routes = new List<TopicRoute>(_byKey.Values);
            requests = new List<PendingRequest>(_requests.Values);
            _byKey.Clear();
            _routes.Clear();
            _requests.Clear();
        }

        foreach (var route in routes)
        {
            route.Ended = true;
            foreach (var consumer in route.Consumers)
            {
                consumer.Complete(error, discard: false);
            }
        }

        foreach (var request in requests)
        {
            request.Completion.TrySetException(new ResilientWebSocketException(
                $"The client {(error is null ? "stopped" : "faulted")} before '{request.Method}' got its response.", error));
        }
    }
}
