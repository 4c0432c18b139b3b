using System;
using System.Buffers;

namespace ResilientSockets.Subscriptions;

/// <summary>A growable <see cref="IBufferWriter{T}"/> over one array, reusable with <see cref="Clear"/> (ArrayBufferWriter is not public on netstandard2.0).</summary>
internal sealed class MessageBuffer : IBufferWriter<byte>
{
    private byte[] _buffer;
    private int _written;

    public MessageBuffer(int initialCapacity) => _buffer = new byte[initialCapacity];

    public int WrittenCount => _written;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public byte[] ToArray() => WrittenSpan.ToArray();

    public void Clear() => _written = 0;

    private void Ensure(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written < sizeHint)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _written + sizeHint));
        }
    }
}
