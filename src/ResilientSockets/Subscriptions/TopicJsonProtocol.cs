using System;
using System.Buffers;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Subscriptions;

namespace ResilientSockets;

/// <summary>
/// A minimal JSON protocol, and the example to copy for your own (see the README): the client sends
/// <c>{"type":"subscribe","topic":T}</c>, <c>{"type":"unsubscribe","topic":T}</c> and
/// <c>{"type":"request","id":I,"method":M,"params":P}</c>; the server sends <c>{"type":"event","topic":T,"data":D}</c>,
/// <c>{"type":"response","id":I,"result":R}</c> and <c>{"type":"error","id":I,"message":E}</c> (an error with the
/// subscription's topic and no id refuses that subscription). Anything else, JSON or not, goes to the ordinary readers.
/// </summary>
public sealed class TopicJsonProtocol : ISubscriptionProtocol
{
    /// <inheritdoc />
    public string? SubProtocol => null;

    /// <inheritdoc />
    public ValueTask HandshakeAsync(ConnectedContext connection, CancellationToken cancellationToken) => default;

    /// <inheritdoc />
    public void WriteSubscribe(IBufferWriter<byte> output, string id, string topic, ReadOnlyMemory<byte> arguments)
        => WriteTopic(output, "subscribe"u8, topic);

    /// <inheritdoc />
    public void WriteUnsubscribe(IBufferWriter<byte> output, string id, string topic)
        => WriteTopic(output, "unsubscribe"u8, topic);

    /// <inheritdoc />
    public void WriteRequest(IBufferWriter<byte> output, string id, string method, ReadOnlyMemory<byte> parameters)
    {
        var writer = ProtocolJson.Writer(output);
        writer.WriteStartObject();
        writer.WriteString("type"u8, "request"u8);
        writer.WriteString("id"u8, id);
        writer.WriteString("method"u8, method);
        ProtocolJson.WriteRawIfAny(writer, "params"u8, parameters);
        writer.WriteEndObject();
        writer.Flush();
    }

    /// <inheritdoc />
    public void WriteCancel(IBufferWriter<byte> output, string id)
    {
        // The protocol has no cancel message.
    }

    /// <inheritdoc />
    public ProtocolMessage Read(ReadOnlyMemory<byte> message, IBufferWriter<byte> reply)
    {
        var span = message.Span;
        if (span.IsEmpty || span[0] != (byte)'{')
        {
            return ProtocolMessage.Unrecognized;
        }

        try
        {
            var reader = new Utf8JsonReader(span);
            reader.Read();
            ReadOnlySpan<byte> type = default;
            ReadOnlyMemory<byte> topic = default, id = default, data = default;
            string? error = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    type = reader.TokenType == JsonTokenType.String ? reader.ValueSpan : default;
                }
                else if (reader.ValueTextEquals("topic"u8))
                {
                    reader.Read();
                    topic = ProtocolJson.Text(message, ref reader);
                }
                else if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    id = ProtocolJson.Text(message, ref reader);
                }
                else if (reader.ValueTextEquals("data"u8) || reader.ValueTextEquals("result"u8))
                {
                    reader.Read();
                    data = ProtocolJson.Raw(message, ref reader);
                }
                else if (reader.ValueTextEquals("message"u8))
                {
                    reader.Read();
                    error = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (type.SequenceEqual("event"u8) && !topic.IsEmpty)
            {
                return ProtocolMessage.Event(topic, data);
            }

            if (type.SequenceEqual("response"u8) && !id.IsEmpty)
            {
                return ProtocolMessage.Response(id, data);
            }

            if (type.SequenceEqual("error"u8))
            {
                return ProtocolMessage.Error(id.IsEmpty ? topic : id, error ?? "(no message)", default);
            }

            return ProtocolMessage.Unrecognized;
        }
        catch (JsonException)
        {
            return ProtocolMessage.Unrecognized;
        }
    }

    private static void WriteTopic(IBufferWriter<byte> output, ReadOnlySpan<byte> type, string topic)
    {
        var writer = ProtocolJson.Writer(output);
        writer.WriteStartObject();
        writer.WriteString("type"u8, type);
        writer.WriteString("topic"u8, topic);
        writer.WriteEndObject();
        writer.Flush();
    }
}
