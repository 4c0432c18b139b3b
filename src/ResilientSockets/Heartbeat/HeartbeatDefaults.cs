using System;
using System.Text.Json;

namespace ResilientSockets;

internal static class HeartbeatDefaults
{
    private static readonly byte[] PingBytes = "{\"type\":\"ping\"}"u8.ToArray();

    public static WebSocketMessage Ping(long sequence) => new(System.Net.WebSockets.WebSocketMessageType.Text, PingBytes);

    /// <summary>A top-level JSON object whose "type" is "pong"; anything else (including invalid JSON) is not a pong.</summary>
    public static bool IsJsonPong(WebSocketMessage message)
    {
        if (!message.IsText || message.Data.Length > 4096)
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(message.Data.Span);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isType = reader.ValueTextEquals("type"u8);
                if (!reader.Read())
                {
                    return false;
                }

                if (isType)
                {
                    return reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("pong"u8);
                }

                reader.Skip();
            }

            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
