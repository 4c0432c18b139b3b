using System;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Internal;
using ResilientSockets.Subscriptions;

namespace ResilientSockets;

public sealed partial class ResilientWebSocket
{
    private SubscriptionEngine? _subscriptions;

    /// <summary>
    /// Subscribes to <paramref name="topic"/> and returns this consumer's own stream of the messages routed to it (each
    /// message is the event's payload as JSON text, see <see cref="ISubscriptionProtocol"/>). Consumers of one topic share
    /// one wire subscription: the first sends the subscribe, the last one to dispose its reader sends the unsubscribe. After
    /// every reconnect the subscription is restored by the client, after <see cref="ResilientWebSocketOptions.OnConnected"/>
    /// and before queued messages are flushed. A subscription the server refuses ends the stream with
    /// <see cref="SubscriptionRefusedException"/>; one the server completes ends it normally.
    /// </summary>
    /// <param name="topic">The topic (graphql-ws: the subscription document; JSON-RPC: the event name).</param>
    /// <param name="options">Capacity, overflow policy and name of this consumer's reader; <see langword="null"/> takes the client-wide defaults and the name <c>topic:&lt;topic&gt;</c>.</param>
    /// <returns>The consumer's reader. Dispose it to leave the topic.</returns>
    /// <exception cref="InvalidOperationException"><see cref="ResilientWebSocketOptions.Subscriptions"/> is not set, or <see cref="SubscriptionOptions.MaxTopics"/> topics are subscribed already.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    /// <example>
    /// <code>
    /// using var ticks = client.Subscribe("subscription { tick }");
    /// await foreach (var message in ticks.ReadAllAsync(cancellationToken)) { Console.WriteLine(message.Text); }
    /// </code>
    /// </example>
    public WebSocketMessageReader Subscribe(string topic, ReaderOptions? options = null) => Subscribe(topic, default, options);

    /// <summary>As <see cref="Subscribe(string, ReaderOptions?)"/>, with arguments (graphql-ws: the variables). Topic and arguments together identify the shared wire subscription.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="arguments">Raw JSON arguments, or empty.</param>
    /// <param name="options">This consumer's reader settings.</param>
    /// <returns>The consumer's reader. Dispose it to leave the topic.</returns>
    public WebSocketMessageReader Subscribe(string topic, ReadOnlyMemory<byte> arguments, ReaderOptions? options)
    {
        Guard.NotNull(topic);
        ThrowIfDisposed();
        return Engine(nameof(Subscribe)).Subscribe(topic, arguments, options);
    }

    /// <summary>
    /// Sends a request with a fresh correlation id and completes with the matching response's result (raw JSON). The
    /// request is queued like any send (it waits through reconnects); the timeout counts from this call.
    /// </summary>
    /// <param name="method">The method (graphql-ws: the query or mutation document).</param>
    /// <param name="parameters">Raw JSON parameters (graphql-ws: the variables), or empty.</param>
    /// <param name="options">Timeout and idempotency; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Abandons the request: the protocol's cancel is sent if the request was written (graphql-ws <c>complete</c>; JSON-RPC has none) and a late response is logged and dropped.</param>
    /// <returns>The result, raw JSON.</returns>
    /// <exception cref="RequestFailedException">The server answered with an error.</exception>
    /// <exception cref="TimeoutException">No response within the timeout.</exception>
    /// <exception cref="RequestInterruptedException">The link dropped after the request was written, and it is not idempotent.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    /// <exception cref="InvalidOperationException"><see cref="ResilientWebSocketOptions.Subscriptions"/> is not set, or <see cref="SubscriptionOptions.MaxPendingRequests"/> requests are pending.</exception>
    /// <exception cref="ResilientWebSocketException">The client stopped or faulted first.</exception>
    public Task<ReadOnlyMemory<byte>> RequestAsync(string method, ReadOnlyMemory<byte> parameters, RequestOptions? options = null, CancellationToken cancellationToken = default)
    {
        Guard.NotNull(method);
        ThrowIfDisposed();
        return Engine(nameof(RequestAsync)).RequestAsync(method, parameters, options, cancellationToken);
    }

    /// <summary>As <see cref="RequestAsync(string, ReadOnlyMemory{byte}, RequestOptions?, CancellationToken)"/>, deserializing the result with source-generated metadata (trimming-safe).</summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="method">The method.</param>
    /// <param name="parameters">Raw JSON parameters, or empty.</param>
    /// <param name="resultType">The result's JSON metadata (from a <c>JsonSerializerContext</c>).</param>
    /// <param name="options">Timeout and idempotency.</param>
    /// <param name="cancellationToken">Abandons the request.</param>
    /// <returns>The deserialized result.</returns>
    public async Task<TResult?> RequestAsync<TResult>(string method, ReadOnlyMemory<byte> parameters, JsonTypeInfo<TResult> resultType, RequestOptions? options = null, CancellationToken cancellationToken = default)
    {
        Guard.NotNull(resultType);
        var result = await RequestAsync(method, parameters, options, cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Deserialize(result.Span, resultType);
    }

    /// <summary>Gets how many topics have a wire subscription (for tests of bounded state).</summary>
    internal int SubscribedTopicCount => _subscriptions?.RouteCount ?? 0;

    /// <summary>Gets how many requests await a response (for tests of bounded state).</summary>
    internal int PendingRequestCount => _subscriptions?.PendingRequestCount ?? 0;

    private void InitializeSubscriptions()
    {
        if (_options.Subscriptions is not { } options)
        {
            return;
        }

        _subscriptions = new SubscriptionEngine(this, options, _readers, _time, _logger);
        if (_subscriptions.SubProtocol is { } subProtocol)
        {
            // Requested on every attempt (each attempt is a new socket), before the user's own OnConnecting.
            var user = _options.OnConnecting;
            _options.OnConnecting = (context, cancellationToken) =>
            {
                context.Options.AddSubProtocol(subProtocol);
                return user is null ? default : user(context, cancellationToken);
            };
        }
    }

    private SubscriptionEngine Engine(string caller) => _subscriptions
        ?? throw new InvalidOperationException($"{caller} needs ResilientWebSocketOptions.Subscriptions (with a Protocol such as GraphQLWsProtocol or JsonRpcProtocol).");
}
