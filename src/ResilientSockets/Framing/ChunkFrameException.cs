using System;

namespace ResilientSockets;

/// <summary>A chunked-transfer frame or transfer was rejected. The only exception the decoder and reassembler throw for bad input.</summary>
public sealed class ChunkFrameException : ResilientWebSocketException
{
    internal ChunkFrameException(ChunkTransferError error, string message, Guid? transferId = null)
        : base(message)
    {
        Error = error;
        TransferId = transferId;
    }

    /// <summary>Gets the error code (as sent in an Error frame).</summary>
    public ChunkTransferError Error { get; }

    /// <summary>Gets the transfer the frame belonged to, when the header was readable.</summary>
    public Guid? TransferId { get; }
}
