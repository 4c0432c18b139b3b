using System;
using System.Collections.Generic;

namespace ResilientSockets.Receiving;

/// <summary>
/// A block that the receive loop fills with many small payloads back to back, so a leased reader's messages cost no
/// allocation and no pool round trip each: one reference per queued message, plus the loop's own while the slab is
/// current. Slabs come from a small process-wide free list; a burst deeper than the list allocates, a steady flow does not.
/// </summary>
internal sealed class PayloadSlab : SharedPayload
{
    /// <summary>The slab size.</summary>
    public const int Size = 32 * 1024;

    /// <summary>Messages up to this size go into slabs; larger ones get a <see cref="PooledPayload"/> of their own.</summary>
    public const int MaxMessage = 4 * 1024;

    private const int Retained = 64;
    private static readonly Stack<PayloadSlab> Free = new();

    private readonly byte[] _buffer = new byte[Size];
    private int _used;

    private PayloadSlab()
    {
    }

    public byte[] Buffer => _buffer;

    public int Remaining => Size - _used;

    /// <summary>Gets a slab, holding the loop's reference.</summary>
    public static PayloadSlab Rent()
    {
        PayloadSlab? slab = null;
        lock (Free)
        {
            if (Free.Count > 0)
            {
                slab = Free.Pop();
            }
        }

        slab ??= new PayloadSlab();
        slab._used = 0;
        slab.Reset();
        return slab;
    }

    /// <summary>Copies a payload in and takes a reference for the message that points at it; returns its offset.</summary>
    public int Append(ReadOnlySpan<byte> payload)
    {
        var offset = _used;
        payload.CopyTo(_buffer.AsSpan(offset));
        _used += payload.Length;
        AddReference();
        return offset;
    }

    protected override void OnReleased()
    {
        lock (Free)
        {
            if (Free.Count < Retained)
            {
                Free.Push(this);
            }
        }
    }
}
