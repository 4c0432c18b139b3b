using System;
using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Subscriptions;

namespace ResilientSockets;

/// <summary>
/// The GraphQL over WebSocket protocol of the <c>graphql-ws</c> library (subprotocol <c>graphql-transport-ws</c>):
/// <c>connection_init</c>/<c>connection_ack</c> on every connection, <c>subscribe</c>/<c>next</c>/<c>error</c>/<c>complete</c>,
/// and <c>ping</c> answered with <c>pong</c>. A topic is an operation document (its variables are the arguments); a
/// request is a query or mutation, answered by its first <c>next</c> (a payload with <c>errors</c> fails the request).
/// </summary>
public sealed class GraphQLWsProtocol : ISubscriptionProtocol
{
    private readonly ReadOnlyMemory<byte> _initPayload;

    /// <summary>Initializes the adapter.</summary>
    /// <param name="connectionInitPayload">Raw JSON sent as the <c>connection_init</c> payload (auth, say), or empty for none.</param>
    public GraphQLWsProtocol(ReadOnlyMemory<byte> connectionInitPayload = default) => _initPayload = connectionInitPayload;

    /// <inheritdoc />
    public string? SubProtocol => "graphql-transport-ws";

    /// <inheritdoc />
    public async ValueTask HandshakeAsync(ConnectedContext connection, CancellationToken cancellationToken)
    {
        if (connection is null)
        {
            throw new ArgumentNullException(nameof(connection));
        }

        var init = new MessageBuffer(64);
        using (var writer = new Utf8JsonWriter(init))
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, "connection_init"u8);
            ProtocolJson.WriteRawIfAny(writer, "payload"u8, _initPayload);
            writer.WriteEndObject();
        }

        await connection.SendAsync(init.WrittenMemory, WebSocketMessageType.Text, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var message = await connection.ReceiveAsync(cancellationToken).ConfigureAwait(false);
            switch (TypeOf(message.Data))
            {
                case "connection_ack":
                    return;
                case "ping":
                    await connection.SendAsync(Pong, WebSocketMessageType.Text, cancellationToken).ConfigureAwait(false);
                    break;
                case "pong":
                    break;
                default:
                    throw new ProtocolHandshakeException($"graphql-ws: expected connection_ack, the server sent a message of type '{TypeOf(message.Data) ?? "(none)"}'.");
            }
        }
    }

    /// <inheritdoc />
    public void WriteSubscribe(IBufferWriter<byte> output, string id, string topic, ReadOnlyMemory<byte> arguments)
        => WriteOperation(output, id, topic, arguments);

    /// <inheritdoc />
    public void WriteUnsubscribe(IBufferWriter<byte> output, string id, string topic) => WriteComplete(output, id);

    /// <inheritdoc />
    public void WriteRequest(IBufferWriter<byte> output, string id, string method, ReadOnlyMemory<byte> parameters)
        => WriteOperation(output, id, method, parameters);

    /// <inheritdoc />
    public void WriteCancel(IBufferWriter<byte> output, string id) => WriteComplete(output, id);

    /// <inheritdoc />
    public ProtocolMessage Read(ReadOnlyMemory<byte> message, IBufferWriter<byte> reply)
    {
        try
        {
            var reader = new Utf8JsonReader(message.Span);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return ProtocolMessage.Malformed("graphql-ws: a message must be a JSON object.");
            }

            var type = Kind.None;
            ReadOnlyMemory<byte> id = default;
            ReadOnlyMemory<byte> payload = default;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    type = reader.TokenType != JsonTokenType.String ? Kind.Unknown
                        : reader.ValueTextEquals("next"u8) ? Kind.Next
                        : reader.ValueTextEquals("error"u8) ? Kind.Error
                        : reader.ValueTextEquals("complete"u8) ? Kind.Complete
                        : reader.ValueTextEquals("ping"u8) ? Kind.Ping
                        : reader.ValueTextEquals("pong"u8) ? Kind.Pong
                        : reader.ValueTextEquals("connection_ack"u8) ? Kind.Ack
                        : Kind.Unknown;
                }
                else if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    id = ProtocolJson.Text(message, ref reader);
                }
                else if (reader.ValueTextEquals("payload"u8))
                {
                    reader.Read();
                    payload = ProtocolJson.Raw(message, ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            switch (type)
            {
                case Kind.Ping:
                    reply.Write(Pong.Span);
                    return ProtocolMessage.Handled;
                case Kind.Pong or Kind.Ack:
                    return ProtocolMessage.Handled;
                case Kind.Next or Kind.Error or Kind.Complete when id.IsEmpty:
                    return ProtocolMessage.Malformed($"graphql-ws: a '{type}' message without an id.");
                case Kind.Next when !ProtocolJson.IsSubscriptionId(id.Span) && HasErrors(payload):
                    // A query whose execution failed still arrives as next, with an errors list: that is the request's error.
                    return ProtocolMessage.Error(id, ProtocolJson.FirstMessage(payload), payload);
                case Kind.Next:
                    return ProtocolMessage.Event(id, payload);
                case Kind.Error:
                    return ProtocolMessage.Error(id, ProtocolJson.FirstMessage(payload), payload);
                case Kind.Complete:
                    return ProtocolMessage.Completed(id);
                default:
                    return ProtocolMessage.Malformed("graphql-ws: a message without a known type.");
            }
        }
        catch (JsonException ex)
        {
            return ProtocolMessage.Malformed($"graphql-ws: not valid JSON ({ex.Message})");
        }
    }

    private static readonly ReadOnlyMemory<byte> Pong = "{\"type\":\"pong\"}"u8.ToArray();

    private enum Kind
    {
        None,
        Unknown,
        Next,
        Error,
        Complete,
        Ping,
        Pong,
        Ack,
    }

    private static void WriteOperation(IBufferWriter<byte> output, string id, string document, ReadOnlyMemory<byte> variables)
    {
        var writer = ProtocolJson.Writer(output);
        writer.WriteStartObject();
        writer.WriteString("id"u8, id);
        writer.WriteString("type"u8, "subscribe"u8);
        writer.WriteStartObject("payload"u8);
        writer.WriteString("query"u8, document);
        ProtocolJson.WriteRawIfAny(writer, "variables"u8, variables);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.Flush();
    }

    private static void WriteComplete(IBufferWriter<byte> output, string id)
    {
        var writer = ProtocolJson.Writer(output);
        writer.WriteStartObject();
        writer.WriteString("id"u8, id);
        writer.WriteString("type"u8, "complete"u8);
        writer.WriteEndObject();
        writer.Flush();
    }

    private static bool HasErrors(ReadOnlyMemory<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return false;
        }

        var reader = new Utf8JsonReader(payload.Span);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isErrors = reader.ValueTextEquals("errors"u8);
            reader.Read();
            if (isErrors && reader.TokenType == JsonTokenType.StartArray)
            {
                return true;
            }

            reader.Skip();
        }

        return false;
    }

    private static string? TypeOf(ReadOnlyMemory<byte> message)
    {
        try
        {
            var reader = new Utf8JsonReader(message.Span);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isType = reader.ValueTextEquals("type"u8);
                reader.Read();
                if (isType && reader.TokenType == JsonTokenType.String)
                {
                    return reader.GetString();
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }
}
