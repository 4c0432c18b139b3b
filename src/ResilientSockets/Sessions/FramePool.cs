using System;
using System.Buffers;
using System.Collections.Generic;

namespace ResilientSockets.Sessions;

/// <summary>
/// Memory for one session's kept DATA frames. Frames are kept and released in sequence order (acks are cumulative), so
/// they are packed back to back into 64 KiB blocks: a block goes back to a small process-wide pool once every frame in
/// it is acknowledged, and the block being filled starts over when all of its frames are. A steady stream of sends
/// then allocates nothing, whatever the window; frames over 16 KiB get an array of their own from the shared pool.
/// Not thread-safe: <see cref="SessionState"/> calls it under its lock.
/// </summary>
internal sealed class FramePool
{
    private const int BlockSize = 64 * 1024;
    private const int PooledBlocks = 128;
    private static readonly Stack<Block> FreeBlocks = new();
    private Block? _tail;

    /// <summary>Room for a frame of <paramref name="length"/> bytes.</summary>
    public KeptFrame Allocate(int length)
    {
        if (length > BlockSize / 4)
        {
            var own = ArrayPool<byte>.Shared.Rent(length);
            return new KeptFrame(own.AsMemory(0, length), null, own);
        }

        if (_tail is null || BlockSize - _tail.Used < length)
        {
            var full = _tail;
            _tail = RentBlock();
            if (full is { Pending: 0 })
            {
                ReturnBlock(full);
            }
        }

        var offset = _tail.Used;
        _tail.Used += length;
        _tail.Pending++;
        return new KeptFrame(_tail.Data.AsMemory(offset, length), _tail, null);
    }

    /// <summary>The frame was acknowledged (or the session ended): its memory can be reused.</summary>
    public void Release(in KeptFrame frame)
    {
        if (frame.Own is { } own)
        {
            ArrayPool<byte>.Shared.Return(own);
            return;
        }

        var block = frame.Block!;
        if (--block.Pending > 0)
        {
            return;
        }

        if (ReferenceEquals(block, _tail))
        {
            block.Used = 0; // everything in it is acknowledged: fill it again from the start
        }
        else
        {
            ReturnBlock(block);
        }
    }

    /// <summary>The newest frame's write failed before it reached the kernel: take its room back.</summary>
    public void Withdraw(in KeptFrame frame)
    {
        if (frame.Block is { } block && ReferenceEquals(block, _tail))
        {
            block.Used -= frame.Memory.Length;
        }

        Release(frame);
    }

    private static Block RentBlock()
    {
        lock (FreeBlocks)
        {
            if (FreeBlocks.Count > 0)
            {
                var block = FreeBlocks.Pop();
                block.Used = 0;
                block.Pending = 0;
                return block;
            }
        }

        return new Block();
    }

    private static void ReturnBlock(Block block)
    {
        lock (FreeBlocks)
        {
            if (FreeBlocks.Count < PooledBlocks)
            {
                FreeBlocks.Push(block);
            }
        }
    }

    /// <summary>A 64 KiB block of frames.</summary>
    internal sealed class Block
    {
        public byte[] Data { get; } = new byte[BlockSize];

        public int Used { get; set; }

        public int Pending { get; set; }
    }
}

/// <summary>Where one kept frame lives: a slice of a <see cref="FramePool.Block"/>, or an array of its own.</summary>
internal readonly record struct KeptFrame(Memory<byte> Memory, FramePool.Block? Block, byte[]? Own);
