using System;
using System.Net.WebSockets;

namespace ResilientSockets;

/// <summary>
/// The server closed the connection with a status that <see cref="ReconnectOptions.ShouldStopOnClose"/> treats as final,
/// so the client stopped instead of reconnecting. Readers and pending sends see it (directly, or as the inner exception
/// of <see cref="MessageNotSentException"/>), and it is the cause of the <see cref="ConnectionState.Faulted"/> transition.
/// </summary>
public sealed class ServerClosedException : ResilientWebSocketException
{
    internal ServerClosedException(WebSocketCloseStatus? closeStatus, string? closeStatusDescription, Exception? innerException = null)
        : base(Describe(closeStatus, closeStatusDescription), innerException)
    {
        CloseStatus = closeStatus;
        CloseStatusDescription = closeStatusDescription;
    }

    /// <summary>Gets the close status the server sent, or <see langword="null"/> when its close frame carried none.</summary>
    public WebSocketCloseStatus? CloseStatus { get; }

    /// <summary>Gets the close description the server sent, if any.</summary>
    public string? CloseStatusDescription { get; }

    private static string Describe(WebSocketCloseStatus? status, string? description)
        => $"The server closed the connection with {(status is { } s ? ((int)s).ToString(System.Globalization.CultureInfo.InvariantCulture) : "no status")}"
           + $"{(string.IsNullOrEmpty(description) ? string.Empty : $" '{description}'")}, which ShouldStopOnClose treats as final: the client stopped instead of reconnecting.";
}
