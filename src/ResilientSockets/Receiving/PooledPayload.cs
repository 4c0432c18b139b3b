using System;
using System.Buffers;

namespace ResilientSockets.Receiving;

/// <summary>One large received payload (too big for a <see cref="PayloadSlab"/>) in an array from the shared pool.</summary>
internal sealed class PooledPayload : SharedPayload
{
    private PooledPayload(byte[] array) => Array = array;

    public byte[] Array { get; private set; }

    /// <summary>Copies <paramref name="source"/> into a pooled array; the caller holds the one reference.</summary>
    public static PooledPayload Rent(ReadOnlySpan<byte> source)
    {
        // Large messages are rare next to small ones, and their copy dwarfs one small object: no free list for the holder.
        var payload = new PooledPayload(ArrayPool<byte>.Shared.Rent(source.Length));
        source.CopyTo(payload.Array);
        payload.Reset();
        return payload;
    }

    protected override void OnReleased()
    {
        var array = Array;
        Array = [];
        ArrayPool<byte>.Shared.Return(array);
    }
}
