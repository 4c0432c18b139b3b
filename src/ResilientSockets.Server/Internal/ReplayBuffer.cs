using System;

namespace ResilientSockets.Server.Internal;

/// <summary>
/// The DATA frames a session sent and the client has not acknowledged, in sequence order: a ring that grows by
/// doubling up to its message bound, so an idle session holds a handful of slots, not thousands.
/// Not thread-safe: the session's lock guards it.
/// </summary>
internal sealed class ReplayBuffer
{
    private byte[][] _frames = new byte[4][];
    private int _head;

    public int Count { get; private set; }

    /// <summary>Gets the frame at <paramref name="offset"/> from the oldest.</summary>
    public byte[] this[int offset] => _frames[(_head + offset) % _frames.Length];

    public void Add(byte[] frame)
    {
        if (Count == _frames.Length)
        {
            var grown = new byte[_frames.Length * 2][];
            for (var i = 0; i < Count; i++)
            {
                grown[i] = this[i];
            }

            _frames = grown;
            _head = 0;
        }

        _frames[(_head + Count) % _frames.Length] = frame;
        Count++;
    }

    /// <summary>Removes the <paramref name="count"/> oldest frames and returns their total length.</summary>
    public long RemoveOldest(int count)
    {
        long bytes = 0;
        for (var i = 0; i < count; i++)
        {
            bytes += _frames[_head].Length;
            _frames[_head] = null!;
            _head = (_head + 1) % _frames.Length;
        }

        Count -= count;
        if (Count == 0)
        {
            _head = 0;
        }

        return bytes;
    }

    public long Clear() => RemoveOldest(Count);
}
