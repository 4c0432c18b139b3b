using System;
using System.Net.WebSockets;

namespace ResilientSockets.Receiving;

/// <summary>
/// What one read produced: a whole message, the server's close, or a message over the limit. A message's
/// <see cref="Payload"/> lies in the reader's pooled buffer and is valid only until the next read; chunk frames are
/// consumed from it in place, and only messages that are handed on are copied (<see cref="ToMessage"/>).
/// </summary>
internal readonly struct ReadOutcome
{
    private ReadOutcome(WebSocketMessageType messageType, ReadOnlyMemory<byte> payload, bool isMessage, bool closed, bool tooLarge, WebSocketCloseStatus? closeStatus, string? closeDescription)
    {
        MessageType = messageType;
        Payload = payload;
        IsMessage = isMessage;
        IsClose = closed;
        IsTooLarge = tooLarge;
        CloseStatus = closeStatus;
        CloseDescription = closeDescription;
    }

    public bool IsMessage { get; }

    public WebSocketMessageType MessageType { get; }

    public ReadOnlyMemory<byte> Payload { get; }

    public bool IsClose { get; }

    public bool IsTooLarge { get; }

    public WebSocketCloseStatus? CloseStatus { get; }

    public string? CloseDescription { get; }

    public static ReadOutcome Of(WebSocketMessageType messageType, ReadOnlyMemory<byte> pooledPayload) => new(messageType, pooledPayload, true, false, false, null, null);

    public static ReadOutcome Close(WebSocketCloseStatus? status, string? description) => new(default, default, false, true, false, status, description);

    public static ReadOutcome TooLarge() => new(default, default, false, false, true, null, null);

    /// <summary>Copies the payload out of the pooled buffer into a message of its own.</summary>
    public WebSocketMessage ToMessage() => new(MessageType, Payload.IsEmpty ? Array.Empty<byte>() : Payload.ToArray());
}
