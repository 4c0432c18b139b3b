using System;

namespace ResilientSockets.Sessions;

/// <summary>A session taken up after a process restart, from the durable outbox's checkpoint.</summary>
internal sealed partial class SessionState
{
    /// <summary>
    /// Takes up the session an earlier run of the process had (its id from the outbox's checkpoint). HELLO names it with
    /// last received 0; the first WELCOME sets where the sequences go on (<see cref="ToReplay"/>) and the first DATA
    /// where delivery goes on (<see cref="Check"/>): what the server no longer keeps was acknowledged by the earlier run.
    /// </summary>
    public void Restore(Guid id)
    {
        lock (_gate)
        {
            _id = id;
            _restored = true;
            _ended = false;
        }
    }

    /// <summary>Gets a value indicating whether the next WELCOME answers a session restored from an earlier run.</summary>
    public bool IsRestored
    {
        get
        {
            lock (_gate)
            {
                return _restored;
            }
        }
    }
}
