using System;
using System.Buffers.Binary;

namespace ResilientSockets;

/// <summary>
/// Encodes and decodes session frames (session wire format version 1, documented byte by byte in the README).
/// Allocation-free; usable on any <see cref="System.Net.WebSockets.WebSocket"/>, client or server.
/// </summary>
public static class SessionFrameCodec
{
    /// <summary>The WebSocket subprotocol that negotiates sessions.</summary>
    public const string SubProtocol = "resilientsockets.session.v1";

    /// <summary>The wire format version.</summary>
    public const byte Version = 1;

    /// <summary>The size of a HELLO frame.</summary>
    public const int HelloSize = 28;

    /// <summary>The size of a WELCOME frame.</summary>
    public const int WelcomeSize = 32;

    /// <summary>The size of a DATA frame's header (the payload follows), and of an ACK, PING or PONG frame.</summary>
    public const int HeaderSize = 10;

    private const byte TextFlag = 0x01;
    private const byte ResumedFlag = 0x01;
    private const byte LostFlag = 0x02;

    /// <summary>Writes a HELLO frame.</summary>
    /// <param name="destination">At least <see cref="HelloSize"/> bytes.</param>
    /// <param name="sessionId">The session to resume, or <see cref="Guid.Empty"/> for a new one.</param>
    /// <param name="lastReceived">The highest DATA sequence received from the server in this session (0 for none).</param>
    /// <returns><see cref="HelloSize"/>.</returns>
    public static int WriteHello(Span<byte> destination, Guid sessionId, ulong lastReceived)
    {
        destination = destination.Slice(0, HelloSize);
        destination.Clear();
        destination[0] = (byte)SessionFrameKind.Hello;
        destination[1] = Version;
        ChunkFrameCodec.WriteGuid(sessionId, destination.Slice(4, 16));
        BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(20), lastReceived);
        return HelloSize;
    }

    /// <summary>Writes a WELCOME frame.</summary>
    /// <param name="destination">At least <see cref="WelcomeSize"/> bytes.</param>
    /// <param name="sessionId">The session from now on.</param>
    /// <param name="resumed">The session named in HELLO continues.</param>
    /// <param name="lost">HELLO named a session the server does not have.</param>
    /// <param name="lastReceived">The highest DATA sequence received from the client in this session.</param>
    /// <param name="resumeWindowMilliseconds">How long a detached session is kept.</param>
    /// <returns><see cref="WelcomeSize"/>.</returns>
    public static int WriteWelcome(Span<byte> destination, Guid sessionId, bool resumed, bool lost, ulong lastReceived, uint resumeWindowMilliseconds)
    {
        if (resumed && lost)
        {
            throw new ArgumentException("A WELCOME cannot both resume a session and report it lost.", nameof(lost));
        }

        destination = destination.Slice(0, WelcomeSize);
        destination.Clear();
        destination[0] = (byte)SessionFrameKind.Welcome;
        destination[1] = Version;
        destination[2] = (byte)((resumed ? ResumedFlag : 0) | (lost ? LostFlag : 0));
        ChunkFrameCodec.WriteGuid(sessionId, destination.Slice(4, 16));
        BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(20), lastReceived);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(28), resumeWindowMilliseconds);
        return WelcomeSize;
    }

    /// <summary>Writes the 10-byte header of a DATA frame; the payload goes right after it.</summary>
    /// <param name="destination">At least <see cref="HeaderSize"/> bytes.</param>
    /// <param name="sequence">The message's sequence number (1 or more).</param>
    /// <param name="isText">The application message is text.</param>
    /// <returns><see cref="HeaderSize"/>.</returns>
    public static int WriteDataHeader(Span<byte> destination, ulong sequence, bool isText)
    {
        if (sequence == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sequence), "DATA sequence numbers start at 1.");
        }

        destination[0] = (byte)SessionFrameKind.Data;
        destination[1] = isText ? TextFlag : (byte)0;
        BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(2, 8), sequence);
        return HeaderSize;
    }

    /// <summary>Writes an ACK, PING or PONG frame.</summary>
    /// <param name="destination">At least <see cref="HeaderSize"/> bytes.</param>
    /// <param name="kind"><see cref="SessionFrameKind.Ack"/>, <see cref="SessionFrameKind.Ping"/> or <see cref="SessionFrameKind.Pong"/>.</param>
    /// <param name="value">The acknowledged sequence, or the ping counter.</param>
    /// <returns><see cref="HeaderSize"/>.</returns>
    public static int WriteControl(Span<byte> destination, SessionFrameKind kind, ulong value)
    {
        if (kind is not (SessionFrameKind.Ack or SessionFrameKind.Ping or SessionFrameKind.Pong))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Only ACK, PING and PONG are control frames.");
        }

        destination[0] = (byte)kind;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(2, 8), value);
        return HeaderSize;
    }

    /// <summary>
    /// Decodes a frame from its first bytes: the whole frame for HELLO, WELCOME, ACK, PING and PONG, at least the 10-byte
    /// header for DATA. Checks every rule that the frame alone can break (kind, sizes, reserved bytes, flags, version,
    /// sequence 0); the sequence rules that need the session's state are the caller's.
    /// </summary>
    /// <param name="frame">The frame (or, for DATA, at least its header).</param>
    /// <param name="frameLength">The whole frame's length (the WebSocket message length), to check fixed sizes.</param>
    /// <returns>The decoded header.</returns>
    /// <exception cref="SessionProtocolException">The frame is malformed; the message names the rule.</exception>
    public static SessionFrame Decode(ReadOnlySpan<byte> frame, long frameLength)
    {
        if (frame.Length == 0)
        {
            throw new SessionProtocolException("Empty session frame: every session message starts with a kind byte.");
        }

        var kind = (SessionFrameKind)frame[0];
        switch (kind)
        {
            case SessionFrameKind.Hello:
            {
                RequireSize(kind, frame, frameLength, HelloSize);
                RequireVersion(frame[1]);
                RequireZero(frame.Slice(2, 2), "HELLO reserved bytes 2-3");
                var sessionId = ChunkFrameCodec.ReadGuid(frame.Slice(4, 16));
                var lastReceived = BinaryPrimitives.ReadUInt64BigEndian(frame.Slice(20));
                if (sessionId == Guid.Empty && lastReceived != 0)
                {
                    throw new SessionProtocolException($"HELLO for a new session (zero id) with last received {lastReceived}: it must be 0.");
                }

                return new SessionFrame(kind, lastReceived, sessionId: sessionId);
            }

            case SessionFrameKind.Welcome:
            {
                RequireSize(kind, frame, frameLength, WelcomeSize);
                RequireVersion(frame[1]);
                var flags = frame[2];
                if ((flags & ~(ResumedFlag | LostFlag)) != 0 || flags == (ResumedFlag | LostFlag))
                {
                    throw new SessionProtocolException($"WELCOME flags 0x{flags:X2} are invalid: bit 0 (resumed) and bit 1 (lost) exclude each other, other bits must be 0.");
                }

                RequireZero(frame.Slice(3, 1), "WELCOME reserved byte 3");
                var sessionId = ChunkFrameCodec.ReadGuid(frame.Slice(4, 16));
                if (sessionId == Guid.Empty)
                {
                    throw new SessionProtocolException("WELCOME with a zero session id: the server must name the session.");
                }

                return new SessionFrame(
                    kind,
                    BinaryPrimitives.ReadUInt64BigEndian(frame.Slice(20)),
                    sessionId: sessionId,
                    resumed: (flags & ResumedFlag) != 0,
                    lost: (flags & LostFlag) != 0,
                    resumeWindowMilliseconds: BinaryPrimitives.ReadUInt32BigEndian(frame.Slice(28)));
            }

            case SessionFrameKind.Data:
            {
                if (frame.Length < HeaderSize || frameLength < HeaderSize)
                {
                    throw new SessionProtocolException($"DATA frame of {frameLength} bytes: the header alone is {HeaderSize}.");
                }

                var flags = frame[1];
                if ((flags & ~TextFlag) != 0)
                {
                    throw new SessionProtocolException($"DATA flags 0x{flags:X2} are invalid: only bit 0 (text) is defined.");
                }

                var sequence = BinaryPrimitives.ReadUInt64BigEndian(frame.Slice(2, 8));
                if (sequence == 0)
                {
                    throw new SessionProtocolException("DATA with sequence 0: sequences start at 1.");
                }

                return new SessionFrame(kind, sequence, isText: flags == TextFlag);
            }

            case SessionFrameKind.Ack:
            case SessionFrameKind.Ping:
            case SessionFrameKind.Pong:
                RequireSize(kind, frame, frameLength, HeaderSize);
                RequireZero(frame.Slice(1, 1), $"{kind.ToString().ToUpperInvariant()} reserved byte 1");
                return new SessionFrame(kind, BinaryPrimitives.ReadUInt64BigEndian(frame.Slice(2, 8)));

            default:
                throw new SessionProtocolException($"Unknown session frame kind 0x{frame[0]:X2}: version 1 defines 0x01 to 0x06.");
        }
    }

    private static void RequireSize(SessionFrameKind kind, ReadOnlySpan<byte> frame, long frameLength, int size)
    {
        if (frameLength != size || frame.Length < size)
        {
            throw new SessionProtocolException($"{kind.ToString().ToUpperInvariant()} frame of {frameLength} bytes: it must be exactly {size}.");
        }
    }

    private static void RequireVersion(byte version)
    {
        if (version != Version)
        {
            throw new SessionProtocolException($"Session protocol version {version} is not supported: this side speaks version {Version}.");
        }
    }

    private static void RequireZero(ReadOnlySpan<byte> bytes, string what)
    {
        foreach (var b in bytes)
        {
            if (b != 0)
            {
                throw new SessionProtocolException($"{what} must be 0.");
            }
        }
    }
}
