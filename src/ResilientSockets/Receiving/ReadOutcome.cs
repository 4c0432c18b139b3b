using System.Net.WebSockets;

namespace ResilientSockets.Receiving;

/// <summary>What one read produced: a whole message, the server's close, or a message over the limit.</summary>
internal readonly struct ReadOutcome
{
    private ReadOutcome(WebSocketMessage? message, bool closed, bool tooLarge, WebSocketCloseStatus? closeStatus, string? closeDescription)
    {
        Message = message;
        IsClose = closed;
        IsTooLarge = tooLarge;
        CloseStatus = closeStatus;
        CloseDescription = closeDescription;
    }

    public WebSocketMessage? Message { get; }

    public bool IsClose { get; }

    public bool IsTooLarge { get; }

    public WebSocketCloseStatus? CloseStatus { get; }

    public string? CloseDescription { get; }

    public static ReadOutcome Of(WebSocketMessage message) => new(message, false, false, null, null);

    public static ReadOutcome Close(WebSocketCloseStatus? status, string? description) => new(null, true, false, status, description);

    public static ReadOutcome TooLarge() => new(null, false, true, null, null);
}
