namespace ResilientSockets.Server.Internal;

/// <summary>One frame for a connection's writer: a ready frame (WELCOME, DATA), or a control frame it encodes itself.</summary>
internal readonly struct OutgoingFrame
{
    public OutgoingFrame(byte[] frame)
    {
        Frame = frame;
    }

    public OutgoingFrame(SessionFrameKind kind, ulong value)
    {
        Kind = kind;
        Value = value;
    }

    public byte[]? Frame { get; }

    public SessionFrameKind Kind { get; }

    public ulong Value { get; }
}
