using System;

namespace ResilientSockets;

/// <summary>A decoded session frame header (everything but a DATA frame's payload).</summary>
public readonly struct SessionFrame
{
    internal SessionFrame(SessionFrameKind kind, ulong value, bool isText = false, Guid sessionId = default, bool resumed = false, bool lost = false, uint resumeWindowMilliseconds = 0)
    {
        Kind = kind;
        Value = value;
        IsText = isText;
        SessionId = sessionId;
        Resumed = resumed;
        Lost = lost;
        ResumeWindowMilliseconds = resumeWindowMilliseconds;
    }

    /// <summary>Gets the frame kind.</summary>
    public SessionFrameKind Kind { get; }

    /// <summary>
    /// Gets the frame's number: the sequence of a DATA frame, the cumulative sequence of an ACK, the counter of a PING or
    /// PONG, the <c>last received</c> sequence of a HELLO or WELCOME.
    /// </summary>
    public ulong Value { get; }

    /// <summary>Gets a value indicating whether a DATA frame carries a text message.</summary>
    public bool IsText { get; }

    /// <summary>Gets the session id of a HELLO (empty: a new session) or WELCOME.</summary>
    public Guid SessionId { get; }

    /// <summary>Gets a value indicating whether a WELCOME resumed the session named in HELLO.</summary>
    public bool Resumed { get; }

    /// <summary>Gets a value indicating whether a WELCOME says the session named in HELLO is gone.</summary>
    public bool Lost { get; }

    /// <summary>Gets a WELCOME's resume window in milliseconds.</summary>
    public uint ResumeWindowMilliseconds { get; }
}
