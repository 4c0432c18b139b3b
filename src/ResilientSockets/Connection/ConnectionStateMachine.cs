using System;
using System.Net.WebSockets;
using System.Threading;

namespace ResilientSockets.Connection;

/// <summary>
/// The single owner of the client's state. A transition names the state it leaves; the table below rejects any pair the
/// design does not allow (that would be a bug in this library, and says so). The change is announced while the lock is
/// held, but the announcement only queues the event, so handlers run later, in order, outside the lock.
/// </summary>
internal sealed class ConnectionStateMachine
{
    private readonly object _gate = new();
    private readonly Action<ConnectionStateChangedEventArgs> _announce;
    private int _state;

    public ConnectionStateMachine(Action<ConnectionStateChangedEventArgs> announce) => _announce = announce;

    public ConnectionState State => (ConnectionState)Volatile.Read(ref _state);

    public bool TryTransition(ConnectionState expected, ConnectionState next, Exception? cause = null, WebSocketCloseStatus? closeStatus = null, string? closeDescription = null)
    {
        lock (_gate)
        {
            if ((ConnectionState)_state != expected)
            {
                return false;
            }

            Apply(next, cause, closeStatus, closeDescription);
            return true;
        }
    }

    /// <summary>Decides the next state from the current one under the lock; returns the state left, or null if <paramref name="decide"/> declined.</summary>
    public ConnectionState? TryTransition(Func<ConnectionState, ConnectionState?> decide, Exception? cause = null, WebSocketCloseStatus? closeStatus = null, string? closeDescription = null)
    {
        lock (_gate)
        {
            var current = (ConnectionState)_state;
            if (decide(current) is not { } next)
            {
                return null;
            }

            Apply(next, cause, closeStatus, closeDescription);
            return current;
        }
    }

    internal static bool IsAllowed(ConnectionState from, ConnectionState to) => (from, to) switch
    {
        (ConnectionState.Idle, ConnectionState.Connecting) => true,
        (ConnectionState.Idle, ConnectionState.Closed) => true,
        (ConnectionState.Connecting, ConnectionState.Open) => true,
        (ConnectionState.Connecting, ConnectionState.Reconnecting) => true,
        (ConnectionState.Connecting, ConnectionState.Closing) => true,
        (ConnectionState.Connecting, ConnectionState.Faulted) => true,
        (ConnectionState.Open, ConnectionState.Reconnecting) => true,
        (ConnectionState.Open, ConnectionState.Closing) => true,
        (ConnectionState.Open, ConnectionState.Faulted) => true,
        (ConnectionState.Reconnecting, ConnectionState.Connecting) => true,
        (ConnectionState.Reconnecting, ConnectionState.Closing) => true,
        (ConnectionState.Reconnecting, ConnectionState.Faulted) => true,
        (ConnectionState.Closing, ConnectionState.Closed) => true,

        // Paused by the application (PauseAsync): left by ResumeAsync (to wait for the next attempt), a stop, or an
        // unexpected error in the loop. Never by an attempt: none is made while paused.
        (ConnectionState.Connecting, ConnectionState.Paused) => true,
        (ConnectionState.Open, ConnectionState.Paused) => true,
        (ConnectionState.Reconnecting, ConnectionState.Paused) => true,
        (ConnectionState.Paused, ConnectionState.Reconnecting) => true,
        (ConnectionState.Paused, ConnectionState.Closing) => true,
        (ConnectionState.Paused, ConnectionState.Faulted) => true,
        _ => false,
    };

    private void Apply(ConnectionState next, Exception? cause, WebSocketCloseStatus? closeStatus, string? closeDescription)
    {
        var current = (ConnectionState)_state;
        if (!IsAllowed(current, next))
        {
            throw new InvalidOperationException(
                $"Illegal state transition requested: {current} -> {next}. This is a bug in ResilientSockets; please report it with this message.");
        }

        Volatile.Write(ref _state, (int)next);
        _announce(new ConnectionStateChangedEventArgs(current, next, cause, closeStatus, closeDescription));
    }
}
