using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Framing;

namespace ResilientSockets;

// Where a reassembler puts bytes: the sink (in place when it can seek), or memory within the budget.
public sealed partial class ChunkReassembler
{
    private async ValueTask StoreAsync(Incoming transfer, uint chunkId, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var sink = transfer.Sink;
        if (!transfer.InMemory && sink.CanSeek)
        {
            sink.Position = (long)chunkId * transfer.ChunkSize;
            await WriteAsync(sink, data, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (chunkId != transfer.Contiguous)
        {
            // Out of order for a sequential sink: hold it, within the memory budget.
            Reserve(transfer, data.Length);
            transfer.Pending[chunkId] = data.ToArray();
            transfer.PendingBytes += data.Length;
            return;
        }

        await AppendAsync(transfer, data, cancellationToken).ConfigureAwait(false);
        var next = chunkId + 1;
        while (transfer.Pending.TryGetValue(next, out var waiting))
        {
            transfer.Pending.Remove(next);
            transfer.PendingBytes -= waiting.Length;
            Interlocked.Add(ref _buffered, -waiting.Length);
            await AppendAsync(transfer, waiting, cancellationToken).ConfigureAwait(false);
            next++;
        }
    }

    private async ValueTask AppendAsync(Incoming transfer, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (transfer.Sink is ChunkedMemoryStream memory)
        {
            Reserve(transfer, data.Length);
            transfer.MemoryBytes += data.Length;
            memory.Append(data.Span);
            return;
        }

        await WriteAsync(transfer.Sink, data, cancellationToken).ConfigureAwait(false);
    }

    private void Reserve(Incoming transfer, int bytes)
    {
        if (Interlocked.Add(ref _buffered, bytes) > _options.MaxBufferedBytes)
        {
            Interlocked.Add(ref _buffered, -bytes);
            throw new ChunkFrameException(ChunkTransferError.TooLarge, $"Transfer {transfer.Id} would exceed MaxBufferedBytes ({_options.MaxBufferedBytes}); use a SinkFactory for large transfers.", transfer.Id);
        }
    }

    private void Free(Incoming transfer)
    {
        transfer.Timer?.Dispose();
        Interlocked.Add(ref _buffered, -(transfer.PendingBytes + transfer.MemoryBytes));
        transfer.Pending.Clear();
        var path = (transfer.Sink as FileStream)?.Name;
        transfer.Sink.Dispose();
        if (path is not null)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static async ValueTask WriteAsync(Stream sink, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
#if NET
        await sink.WriteAsync(data, cancellationToken).ConfigureAwait(false);
#else
        var array = data.ToArray();
        await sink.WriteAsync(array, 0, array.Length, cancellationToken).ConfigureAwait(false);
#endif
    }
}
