namespace ResilientSockets;

/// <summary>The kind of a chunked-transfer frame (byte 3 of the header).</summary>
public enum ChunkFrameKind : byte
{
    /// <summary>A chunk of a transfer's payload (sender to receiver).</summary>
    Data = 1,

    /// <summary>Cumulative acknowledgement: <c>chunk_id</c> = number of chunks received contiguously from 0 (receiver to sender). Equal to <c>total_chunks</c> means complete.</summary>
    Ack = 2,

    /// <summary>The sender abandons the transfer; the receiver frees its state (sender to receiver).</summary>
    Cancel = 3,

    /// <summary>The receiver failed the transfer; the payload is a 2-byte error code and a UTF-8 reason (receiver to sender).</summary>
    Error = 4,
}
