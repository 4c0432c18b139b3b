namespace ResilientSockets;

/// <summary>The kind of a session frame (byte 0), session wire format version 1.</summary>
public enum SessionFrameKind : byte
{
    /// <summary>Client to server, first frame of every connection: the session to resume and the last sequence received.</summary>
    Hello = 0x01,

    /// <summary>Server to client, answer to HELLO: the session from now on, whether it resumed, the last sequence received.</summary>
    Welcome = 0x02,

    /// <summary>One application message with its sequence number.</summary>
    Data = 0x03,

    /// <summary>Cumulative acknowledgement: every DATA up to the value was received.</summary>
    Ack = 0x04,

    /// <summary>Liveness probe; answered with <see cref="Pong"/>.</summary>
    Ping = 0x05,

    /// <summary>Answer to a <see cref="Ping"/>, echoing its value.</summary>
    Pong = 0x06,
}
