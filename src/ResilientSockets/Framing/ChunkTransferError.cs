namespace ResilientSockets;

/// <summary>Why a chunked transfer failed; carried as the first two bytes (big-endian) of an <see cref="ChunkFrameKind.Error"/> frame.</summary>
public enum ChunkTransferError : ushort
{
    /// <summary>A frame of the transfer was malformed (bad header, inconsistent fields).</summary>
    InvalidFrame = 1,

    /// <summary>A chunk's CRC-32 did not match its payload.</summary>
    CrcMismatch = 2,

    /// <summary>A chunk's length disagreed with the transfer's chunk size or total length.</summary>
    LengthMismatch = 3,

    /// <summary>A chunk arrived twice with different content.</summary>
    ConflictingDuplicate = 4,

    /// <summary>The transfer exceeds the receiver's size limit or memory budget.</summary>
    TooLarge = 5,

    /// <summary>The receiver already has its maximum number of concurrent incoming transfers.</summary>
    TooManyTransfers = 6,

    /// <summary>The transfer stayed incomplete for longer than the receiver's timeout.</summary>
    TimedOut = 7,

    /// <summary>The sender cancelled the transfer.</summary>
    Cancelled = 8,

    /// <summary>The receiver's sink (file, stream) failed.</summary>
    SinkFailed = 9,
}
