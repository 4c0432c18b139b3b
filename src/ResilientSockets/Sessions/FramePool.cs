using System;
using System.Buffers;
using System.Collections.Generic;

namespace ResilientSockets.Sessions;

/// <summary>
/// The arrays that hold one session's kept DATA frames. A window of thousands of frames outruns the shared pool's few
/// arrays per size, so each session keeps its own free lists (power-of-two sizes from 64 bytes to 64 KiB), bounded by
/// <see cref="RetainedLimit"/> bytes so an idle session does not keep a burst's worth. Larger frames use the shared pool.
/// Not thread-safe: <see cref="SessionState"/> calls it under its lock.
/// </summary>
internal sealed class FramePool
{
    /// <summary>The most bytes of free arrays a session keeps (enough for the frames of one ack window of 4 KiB messages).</summary>
    public const int RetainedLimit = 256 * 1024;

    private const int MinShift = 6;
    private const int MaxShift = 16;
    private readonly Stack<byte[]>[] _free = new Stack<byte[]>[MaxShift - MinShift + 1];
    private long _retained;

    public byte[] Rent(int length)
    {
        var shift = ShiftFor(length);
        if (shift > MaxShift)
        {
            return ArrayPool<byte>.Shared.Rent(length);
        }

        var stack = _free[shift - MinShift];
        if (stack is { Count: > 0 })
        {
            var array = stack.Pop();
            _retained -= array.Length;
            return array;
        }

        return new byte[1 << shift];
    }

    public void Return(byte[] array)
    {
        var shift = ShiftFor(array.Length);
        if (shift > MaxShift || array.Length != 1 << shift)
        {
            if (shift > MaxShift)
            {
                ArrayPool<byte>.Shared.Return(array);
            }

            return;
        }

        if (_retained + array.Length > RetainedLimit)
        {
            return; // let the GC have it: the steady state never gets here
        }

        (_free[shift - MinShift] ??= new Stack<byte[]>()).Push(array);
        _retained += array.Length;
    }

    private static int ShiftFor(int length)
    {
        var shift = MinShift;
        while (shift < 31 && (1 << shift) < length)
        {
            shift++;
        }

        return shift;
    }
}
