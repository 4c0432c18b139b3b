namespace ResilientSockets;

/// <summary>The kind of a chunked-transfer frame (byte 3 of the header).</summary>
public enum ChunkFrameKind : byte
{
    /// <summary>A chunk of a transfer's payload (sender to receiver).</summary>
    Data = 1,

    /// <summary>
    /// Cumulative acknowledgement: <c>chunk_id</c> = number of chunks received contiguously from 0 (receiver to sender).
    /// Equal to the transfer's chunk count means complete. <c>total_chunks</c> and <c>chunk_size</c> are ignored on receipt.
    /// </summary>
    Ack = 2,

    /// <summary>The sender abandons the transfer; the receiver frees its state (sender to receiver).</summary>
    Cancel = 3,

    /// <summary>
    /// One side failed the transfer (usually the receiver; the sender too, when an Ack makes no sense); the payload is a
    /// 2-byte error code and a UTF-8 reason. Never answered, even when malformed.
    /// </summary>
    Error = 4,
}
