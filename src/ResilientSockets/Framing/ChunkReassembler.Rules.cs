using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Framing;

namespace ResilientSockets;

// The README's per-transfer length rules (19 and 20), checked against the transfer's first frame.
public sealed partial class ChunkReassembler
{
    private void CheckDeclaredLength(Incoming transfer, long totalLength)
    {
        if (totalLength > _options.MaxTransferSize)
        {
            throw new ChunkFrameException(ChunkTransferError.TooLarge, $"Transfer {transfer.Id} declares {totalLength} bytes; MaxTransferSize is {_options.MaxTransferSize}.", transfer.Id);
        }

        var expectedChunks = totalLength == 0 ? 1 : ((totalLength - 1) / transfer.ChunkSize) + 1;
        if (totalLength < 0 || expectedChunks != transfer.TotalChunks)
        {
            throw new ChunkFrameException(ChunkTransferError.LengthMismatch, $"Transfer {transfer.Id} declares {totalLength} bytes, which is not {transfer.TotalChunks} chunks of {transfer.ChunkSize}.", transfer.Id);
        }
    }

    private static void CheckChunkLength(Incoming transfer, uint chunkId, int length)
    {
        var last = chunkId == transfer.TotalChunks - 1;
        var valid = last
            ? length <= transfer.ChunkSize && (length > 0 || transfer.TotalChunks == 1)
            : length == transfer.ChunkSize;
        if (!valid)
        {
            throw new ChunkFrameException(ChunkTransferError.LengthMismatch, $"Chunk {chunkId} of transfer {transfer.Id} carries {length} bytes; expected {(last ? $"1..{transfer.ChunkSize}" : transfer.ChunkSize.ToString(System.Globalization.CultureInfo.InvariantCulture))}.", transfer.Id);
        }
    }
}
