using System;
using System.Buffers;
using System.Threading;
using System.Threading.Tasks;

namespace ResilientSockets;

/// <summary>
/// How one application protocol spells subscriptions and requests on the wire, and how its incoming messages are routed
/// and correlated. The client owns everything else: reference counts, resubscription after every reconnect, correlation
/// ids, timeouts, cancellation and the in-flight policy. Shipped: <see cref="GraphQLWsProtocol"/>,
/// <see cref="JsonRpcProtocol"/>, <see cref="TopicJsonProtocol"/> (the example to copy for a custom protocol).
/// </summary>
/// <remarks>
/// <para>
/// Ids are chosen by the client, unique per client, and never reused: <c>s&lt;n&gt;</c> for subscriptions, <c>r&lt;n&gt;</c>
/// for requests, so an adapter can tell a reply to a subscribe from a reply to a request when its protocol answers both alike.
/// </para>
/// <para>
/// <see cref="Read"/> runs on the receive loop for every text message (binary messages go to the readers untouched): keep it
/// allocation-free and quick. Write methods run on the caller's thread. Implementations must be thread-safe (stateless is best).
/// </para>
/// </remarks>
public interface ISubscriptionProtocol
{
    /// <summary>Gets the WebSocket subprotocol to request on every connection, or <see langword="null"/> for none.</summary>
    string? SubProtocol { get; }

    /// <summary>
    /// Runs once per connection, after <see cref="ResilientWebSocketOptions.OnConnected"/> and before subscriptions are
    /// restored and queued messages flushed (graphql-ws: <c>connection_init</c> → <c>connection_ack</c>). The client bounds it by
    /// <see cref="SubscriptionOptions.HandshakeTimeout"/>. Return a completed task when the protocol has no handshake.
    /// </summary>
    /// <param name="connection">The new connection, with the socket to itself.</param>
    /// <param name="cancellationToken">Fires on timeout or stop.</param>
    /// <returns>A task that completes when the connection is ready for subscriptions.</returns>
    ValueTask HandshakeAsync(ConnectedContext connection, CancellationToken cancellationToken);

    /// <summary>Writes the message that subscribes to <paramref name="topic"/>.</summary>
    /// <param name="output">Where to write one text message.</param>
    /// <param name="id">The subscription's id on this connection.</param>
    /// <param name="topic">The topic (graphql-ws: the operation document; JSON-RPC: the event name).</param>
    /// <param name="arguments">Raw JSON arguments (graphql-ws: variables), or empty.</param>
    void WriteSubscribe(IBufferWriter<byte> output, string id, string topic, ReadOnlyMemory<byte> arguments);

    /// <summary>Writes the message that ends a subscription; writing nothing means the protocol has none.</summary>
    /// <param name="output">Where to write one text message.</param>
    /// <param name="id">The subscription's id.</param>
    /// <param name="topic">The topic.</param>
    void WriteUnsubscribe(IBufferWriter<byte> output, string id, string topic);

    /// <summary>Writes a request.</summary>
    /// <param name="output">Where to write one text message.</param>
    /// <param name="id">The correlation id the response must carry.</param>
    /// <param name="method">The method (graphql-ws: the query document).</param>
    /// <param name="parameters">Raw JSON parameters, or empty.</param>
    void WriteRequest(IBufferWriter<byte> output, string id, string method, ReadOnlyMemory<byte> parameters);

    /// <summary>Writes the message that cancels a request in flight; writing nothing means the protocol has none (JSON-RPC).</summary>
    /// <param name="output">Where to write one text message.</param>
    /// <param name="id">The request's correlation id.</param>
    void WriteCancel(IBufferWriter<byte> output, string id);

    /// <summary>
    /// Classifies one received text message. Whatever it writes to <paramref name="reply"/> is sent back at once (graphql-ws
    /// answers a <c>ping</c> with a <c>pong</c> this way). Must not throw for bad input: return <see cref="ProtocolMessage.Malformed"/>.
    /// </summary>
    /// <param name="message">The UTF-8 payload. Slices of it may be returned in the result; they are copied before the call returns.</param>
    /// <param name="reply">Where to write an immediate answer, if the protocol needs one.</param>
    /// <returns>What the message is and where it goes.</returns>
    ProtocolMessage Read(ReadOnlyMemory<byte> message, IBufferWriter<byte> reply);
}
