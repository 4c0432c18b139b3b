using System;
using System.Net.WebSockets;

namespace ResilientSockets;

/// <summary>Describes one state transition of a <see cref="ResilientWebSocket"/>.</summary>
public sealed class ConnectionStateChangedEventArgs : EventArgs
{
    internal ConnectionStateChangedEventArgs(
        ConnectionState previousState,
        ConnectionState state,
        Exception? cause,
        WebSocketCloseStatus? closeStatus,
        string? closeDescription)
    {
        PreviousState = previousState;
        State = state;
        Cause = cause;
        CloseStatus = closeStatus;
        CloseDescription = closeDescription;
    }

    /// <summary>Gets the state that was left.</summary>
    public ConnectionState PreviousState { get; }

    /// <summary>Gets the state that was entered.</summary>
    public ConnectionState State { get; }

    /// <summary>Gets the error that caused the transition, if any (failed attempt, lost link, the reason for <see cref="ConnectionState.Faulted"/>).</summary>
    public Exception? Cause { get; }

    /// <summary>Gets the close status the server sent, when the transition was caused by a server close.</summary>
    public WebSocketCloseStatus? CloseStatus { get; }

    /// <summary>Gets the close description the server sent, when the transition was caused by a server close.</summary>
    public string? CloseDescription { get; }

    /// <inheritdoc />
    public override string ToString()
        => $"{PreviousState} -> {State}" + (Cause is null ? string.Empty : $" ({Cause.GetType().Name}: {Cause.Message})")
           + (CloseStatus is null ? string.Empty : $" (close {(int)CloseStatus.Value} {CloseDescription})");
}
