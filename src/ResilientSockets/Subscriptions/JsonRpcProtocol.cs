using System;
using System.Buffers;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Subscriptions;

namespace ResilientSockets;

/// <summary>
/// JSON-RPC 2.0 requests over WebSocket, with the event subscriptions of the <c>rpc-websockets</c> server: subscribing to a
/// topic calls <c>rpc.on</c> with <c>[topic]</c>, leaving calls <c>rpc.off</c>, and events arrive as
/// <c>{"notification": topic, "params": …}</c>. A subscription answered with anything but <c>"ok"</c> for its topic (for
/// example <c>"provided event invalid"</c>) is refused. JSON-RPC has no cancel message: a cancelled request is only forgotten.
/// Requests from the server (messages with a <c>method</c>) and batches are not this adapter's: they go to the ordinary readers.
/// </summary>
public sealed class JsonRpcProtocol : ISubscriptionProtocol
{
    /// <inheritdoc />
    public string? SubProtocol => null;

    /// <inheritdoc />
    public ValueTask HandshakeAsync(ConnectedContext connection, CancellationToken cancellationToken) => default;

    /// <inheritdoc />
    public void WriteSubscribe(IBufferWriter<byte> output, string id, string topic, ReadOnlyMemory<byte> arguments)
        => WriteEventCall(output, "rpc.on", id, topic);

    /// <inheritdoc />
    public void WriteUnsubscribe(IBufferWriter<byte> output, string id, string topic)
        => WriteEventCall(output, "rpc.off", id, topic);

    /// <inheritdoc />
    public void WriteRequest(IBufferWriter<byte> output, string id, string method, ReadOnlyMemory<byte> parameters)
    {
        var writer = ProtocolJson.Writer(output);
        writer.WriteStartObject();
        writer.WriteString("jsonrpc"u8, "2.0"u8);
        writer.WriteString("method"u8, method);
        ProtocolJson.WriteRawIfAny(writer, "params"u8, parameters);
        writer.WriteString("id"u8, id);
        writer.WriteEndObject();
        writer.Flush();
    }

    /// <inheritdoc />
    public void WriteCancel(IBufferWriter<byte> output, string id)
    {
        // JSON-RPC 2.0 has no cancellation.
    }

    /// <inheritdoc />
    public ProtocolMessage Read(ReadOnlyMemory<byte> message, IBufferWriter<byte> reply)
    {
        try
        {
            var reader = new Utf8JsonReader(message.Span);
            if (!reader.Read())
            {
                return ProtocolMessage.Malformed("JSON-RPC: an empty message.");
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return ProtocolMessage.Unrecognized; // a batch, or not JSON-RPC at all
            }

            ReadOnlyMemory<byte> id = default;
            ReadOnlyMemory<byte> result = default;
            ReadOnlyMemory<byte> error = default;
            ReadOnlyMemory<byte> notification = default;
            ReadOnlyMemory<byte> parameters = default;
            var hasMethod = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    id = ProtocolJson.Text(message, ref reader);
                }
                else if (reader.ValueTextEquals("result"u8))
                {
                    reader.Read();
                    result = ProtocolJson.Raw(message, ref reader);
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    reader.Read();
                    error = ProtocolJson.Raw(message, ref reader);
                }
                else if (reader.ValueTextEquals("notification"u8))
                {
                    reader.Read();
                    notification = ProtocolJson.Text(message, ref reader);
                }
                else if (reader.ValueTextEquals("params"u8))
                {
                    reader.Read();
                    parameters = ProtocolJson.Raw(message, ref reader);
                }
                else
                {
                    hasMethod |= reader.ValueTextEquals("method"u8);
                    reader.Read();
                    reader.Skip();
                }
            }

            if (!notification.IsEmpty)
            {
                return ProtocolMessage.Event(notification, parameters);
            }

            if (hasMethod)
            {
                return ProtocolMessage.Unrecognized; // a request or notification from the server: the application's
            }

            if (!error.IsEmpty)
            {
                return ProtocolMessage.Error(id, ProtocolJson.FirstMessage(error), error);
            }

            if (result.IsEmpty || id.IsEmpty)
            {
                return ProtocolMessage.Malformed("JSON-RPC: a response needs an id and a result or an error.");
            }

            return ProtocolJson.IsSubscriptionId(id.Span) && SubscriptionRefusal(result) is { } refusal
                ? ProtocolMessage.Error(id, refusal, result)
                : ProtocolMessage.Response(id, result);
        }
        catch (JsonException ex)
        {
            return ProtocolMessage.Malformed($"JSON-RPC: not valid JSON ({ex.Message})");
        }
    }

    /// <summary>rpc-websockets answers rpc.on with <c>{"topic": "ok"}</c>, or another text saying why not.</summary>
    private static string? SubscriptionRefusal(ReadOnlyMemory<byte> result)
    {
        var reader = new Utf8JsonReader(result.Span);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.String
                && !reader.ValueTextEquals("ok"u8)
                && !reader.ValueTextEquals("socket has already been subscribed to event"u8))
            {
                return reader.GetString();
            }

            reader.Skip();
        }

        return null;
    }

    private static void WriteEventCall(IBufferWriter<byte> output, string method, string id, string topic)
    {
        var writer = ProtocolJson.Writer(output);
        writer.WriteStartObject();
        writer.WriteString("jsonrpc"u8, "2.0"u8);
        writer.WriteString("method"u8, method);
        writer.WriteStartArray("params"u8);
        writer.WriteStringValue(topic);
        writer.WriteEndArray();
        writer.WriteString("id"u8, id);
        writer.WriteEndObject();
        writer.Flush();
    }
}
