using System;
using System.Buffers;
using System.Threading;

namespace ResilientSockets.Receiving;

/// <summary>
/// A received payload in a pooled array, shared by every reader that got the message and returned to the pool when the
/// last of them lets go. Leased readers hand the array out directly; copying readers copy it and let go at once.
/// </summary>
internal sealed class PooledPayload
{
    // A small free list: the receive loop rents, readers on other threads return. Bounded so a burst that once needed
    // thousands of holders does not keep them all alive.
    private static readonly PooledPayload?[] Free = new PooledPayload?[256];
    private static int _freeProbe;

    private byte[] _array = [];
    private int _references;

    private PooledPayload()
    {
    }

    public byte[] Array => _array;

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, Length);

    /// <summary>Copies <paramref name="source"/> into a pooled array; the caller holds the one reference.</summary>
    public static PooledPayload Rent(ReadOnlySpan<byte> source)
    {
        var payload = TakeFree() ?? new PooledPayload();
        payload._array = source.Length == 0 ? [] : ArrayPool<byte>.Shared.Rent(source.Length);
        source.CopyTo(payload._array);
        payload.Length = source.Length;
        payload._references = 1;
        return payload;
    }

    public void AddReference() => Interlocked.Increment(ref _references);

    public void Release()
    {
        var left = Interlocked.Decrement(ref _references);
        if (left > 0)
        {
            return;
        }

        if (left < 0)
        {
            throw new InvalidOperationException("A pooled payload was released more often than it was referenced. This is a bug in ResilientSockets.");
        }

        var array = _array;
        _array = [];
        Length = 0;
        if (array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(array);
        }

        ReturnFree(this);
    }

    private static PooledPayload? TakeFree()
    {
        var start = Volatile.Read(ref _freeProbe);
        for (var i = 0; i < 4; i++)
        {
            var index = (start + i) & (Free.Length - 1);
            var item = Volatile.Read(ref Free[index]);
            if (item is not null && Interlocked.CompareExchange(ref Free[index], null, item) == item)
            {
                Volatile.Write(ref _freeProbe, index);
                return item;
            }
        }

        return null;
    }

    private static void ReturnFree(PooledPayload item)
    {
        var start = Volatile.Read(ref _freeProbe);
        for (var i = 0; i < 4; i++)
        {
            var index = (start + i) & (Free.Length - 1);
            if (Interlocked.CompareExchange(ref Free[index], item, null) is null)
            {
                Volatile.Write(ref _freeProbe, index);
                return;
            }
        }
    }
}
