using System;
using System.Buffers;
using System.Text;
using System.Text.Json;

namespace ResilientSockets.Subscriptions;

/// <summary>Small Utf8JsonReader/Writer helpers the shipped adapters share: slices of the message instead of copies.</summary>
internal static class ProtocolJson
{
    [ThreadStatic]
    private static Utf8JsonWriter? _writer;

    /// <summary>A writer over <paramref name="output"/>, reused per thread (writing a message allocates nothing).</summary>
    public static Utf8JsonWriter Writer(IBufferWriter<byte> output)
    {
        var writer = _writer;
        if (writer is null)
        {
            writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = false });
            _writer = writer;
        }
        else
        {
            writer.Reset(output);
        }

        return writer;
    }

    /// <summary>The current string (or number) token as UTF-8: a slice of <paramref name="message"/> unless it had escapes.</summary>
    public static ReadOnlyMemory<byte> Text(ReadOnlyMemory<byte> message, ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.ValueIsEscaped || reader.HasValueSequence
                ? Encoding.UTF8.GetBytes(reader.GetString()!)
                : message.Slice((int)reader.TokenStartIndex + 1, reader.ValueSpan.Length);
        }

        if (reader.TokenType == JsonTokenType.Number)
        {
            return message.Slice((int)reader.TokenStartIndex, reader.ValueSpan.Length);
        }

        return default;
    }

    /// <summary>The current value (any kind) as raw JSON: a slice of <paramref name="message"/>. Leaves the reader on the value's last token.</summary>
    public static ReadOnlyMemory<byte> Raw(ReadOnlyMemory<byte> message, ref Utf8JsonReader reader)
    {
        var start = (int)reader.TokenStartIndex;
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            reader.Skip();
        }

        return message.Slice(start, (int)reader.BytesConsumed - start);
    }

    /// <summary>Writes raw JSON (validated) as the value of <paramref name="name"/>, or nothing when it is empty.</summary>
    public static void WriteRawIfAny(Utf8JsonWriter writer, ReadOnlySpan<byte> name, ReadOnlyMemory<byte> json)
    {
        if (!json.IsEmpty)
        {
            writer.WritePropertyName(name);
            writer.WriteRawValue(json.Span);
        }
    }

    /// <summary>The first <c>message</c> string found in an error value: an object, or an array of objects (GraphQL errors).</summary>
    public static string FirstMessage(ReadOnlyMemory<byte> error)
    {
        try
        {
            // The first "message" (and "data") string anywhere: an object ({code, message, data}) or a list of GraphQL errors.
            var reader = new Utf8JsonReader(error.Span);
            string? message = null;
            string? data = null;
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }

                var isMessage = reader.ValueTextEquals("message"u8);
                var isData = reader.ValueTextEquals("data"u8);
                if (!reader.Read())
                {
                    break;
                }

                if (reader.TokenType == JsonTokenType.String)
                {
                    if (isMessage && message is null)
                    {
                        message = reader.GetString();
                    }
                    else if (isData && data is null)
                    {
                        data = reader.GetString();
                    }
                }
            }

            // JSON-RPC servers often put the name in message and the text in data (rpc-websockets does).
            return message is null ? Encoding.UTF8.GetString(error.ToArray()) : data is null ? message : $"{message}: {data}";
        }
        catch (JsonException)
        {
            return Encoding.UTF8.GetString(error.ToArray());
        }
    }

    /// <summary>Whether <paramref name="id"/> is a subscription id of this client (<c>s&lt;n&gt;</c>), as opposed to a request id (<c>r&lt;n&gt;</c>).</summary>
    public static bool IsSubscriptionId(ReadOnlySpan<byte> id) => id.Length > 0 && id[0] == (byte)'s';
}
