using System;
using System.Net.WebSockets;

namespace ResilientSockets.Connection;

/// <summary>How one connection ended, and how long it had been open.</summary>
internal sealed class ConnectionEnd
{
    public static readonly ConnectionEnd Stopped = new(null, null, null, serverClose: false, tooLarge: false);

    /// <summary>Closed cleanly because the application paused the client: neither a failure nor a reason to back off.</summary>
    public static readonly ConnectionEnd Paused = new(null, null, null, serverClose: false, tooLarge: false) { IsPause = true };

    private ConnectionEnd(Exception? cause, WebSocketCloseStatus? closeStatus, string? closeDescription, bool serverClose, bool tooLarge)
    {
        Cause = cause;
        CloseStatus = closeStatus;
        CloseDescription = closeDescription;
        IsServerClose = serverClose;
        IsTooLarge = tooLarge;
    }

    public Exception? Cause { get; }

    public WebSocketCloseStatus? CloseStatus { get; }

    public string? CloseDescription { get; }

    public bool IsServerClose { get; }

    public bool IsTooLarge { get; }

    public bool IsTerminal { get; private init; }

    public TimeSpan Uptime { get; private init; }

    public bool IsPause { get; private init; }

    public static ConnectionEnd Failed(Exception? cause) => new(cause, null, null, serverClose: false, tooLarge: false);

    public static ConnectionEnd ServerClosed(WebSocketCloseStatus? status, string? description) => new(null, status, description, serverClose: true, tooLarge: false);

    public static ConnectionEnd WrongProtocol(Exception cause) => new(cause, null, null, serverClose: false, tooLarge: false) { IsTerminal = true };

    public static ConnectionEnd TooLarge(MessageTooLargeException cause) => new(cause, null, null, serverClose: false, tooLarge: true);

    public ConnectionEnd WithUptime(TimeSpan uptime) => new(Cause, CloseStatus, CloseDescription, IsServerClose, IsTooLarge) { Uptime = uptime, IsTerminal = IsTerminal, IsPause = IsPause };

    public ConnectionEnd AsTerminal() => new(Cause, CloseStatus, CloseDescription, IsServerClose, IsTooLarge) { Uptime = Uptime, IsTerminal = true };
}
