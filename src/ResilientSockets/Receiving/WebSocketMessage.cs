using System;
using System.Net.WebSockets;
using ResilientSockets.Internal;

namespace ResilientSockets;

/// <summary>A whole message received from the server, reassembled from its frames.</summary>
/// <remarks>
/// A small immutable value (a type and the payload), so receiving allocates the payload and nothing else. All readers
/// and handlers share the same payload; do not cast it back to an array and change it. <see cref="Text"/> decodes on
/// every call: keep the string if you need it more than once.
/// </remarks>
public readonly struct WebSocketMessage
{
    private readonly string? _text;

    internal WebSocketMessage(WebSocketMessageType messageType, ReadOnlyMemory<byte> data, string? text = null)
    {
        MessageType = messageType;
        Data = data;
        _text = text;
    }

    /// <summary>Gets whether the message is text or binary.</summary>
    public WebSocketMessageType MessageType { get; }

    /// <summary>Gets the payload. For text messages these are the UTF-8 bytes.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Gets a value indicating whether this is a text message.</summary>
    public bool IsText => MessageType == WebSocketMessageType.Text;

    /// <summary>Gets the payload decoded as UTF-8 (decoded on each call, except for messages made by <see cref="FromText"/>).</summary>
    public string Text => _text ?? Utf8.Decode(Data.Span);

    /// <summary>Creates a text message, for tests and for code that feeds messages into handlers.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The message.</returns>
    public static WebSocketMessage FromText(string text)
    {
        Guard.NotNull(text);
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        return new WebSocketMessage(WebSocketMessageType.Text, bytes, text);
    }

    /// <summary>Creates a binary message, for tests and for code that feeds messages into handlers.</summary>
    /// <param name="data">The payload (not copied).</param>
    /// <returns>The message.</returns>
    public static WebSocketMessage FromBinary(ReadOnlyMemory<byte> data) => new(WebSocketMessageType.Binary, data);

    /// <inheritdoc />
    public override string ToString() => IsText ? Text : $"Binary[{Data.Length}]";
}
