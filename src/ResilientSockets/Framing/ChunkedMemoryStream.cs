using System;
using System.Collections.Generic;
using System.IO;

namespace ResilientSockets.Framing;

/// <summary>An append-then-read stream made of the received chunks themselves, so a transfer held in memory never needs one huge contiguous array.</summary>
internal sealed class ChunkedMemoryStream : Stream
{
    private readonly List<byte[]> _segments = [];
    private long _length;
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        _segments.Add(data.ToArray());
        _length += data.Length;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

#if NET
    public override int Read(Span<byte> buffer)
#else
    public int Read(Span<byte> buffer)
#endif
    {
        var copied = 0;
        var skip = _position;
        foreach (var segment in _segments)
        {
            if (copied == buffer.Length)
            {
                break;
            }

            if (skip >= segment.Length)
            {
                skip -= segment.Length;
                continue;
            }

            var take = (int)Math.Min(segment.Length - skip, buffer.Length - copied);
            segment.AsSpan((int)skip, take).CopyTo(buffer.Slice(copied));
            copied += take;
            skip = 0;
        }

        _position += copied;
        return copied;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => _length + offset,
        };
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
