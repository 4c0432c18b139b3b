using System;
using System.Threading;

namespace ResilientSockets.Receiving;

/// <summary>
/// Pooled memory that several queued messages (or several readers of one message) point into; it goes back to its pool
/// when the last reference is released. Leased readers hand the memory out directly; copying readers copy and release.
/// </summary>
internal abstract class SharedPayload
{
    private int _references;

    public void AddReference() => Interlocked.Increment(ref _references);

    public void Release()
    {
        var left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            OnReleased();
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("A pooled payload was released more often than it was referenced. This is a bug in ResilientSockets.");
        }
    }

    /// <summary>Starts the life of a rented payload with its holder's one reference.</summary>
    protected void Reset() => Volatile.Write(ref _references, 1);

    /// <summary>Returns the memory to its pool; called exactly once per rent, when the last reference goes.</summary>
    protected abstract void OnReleased();
}
