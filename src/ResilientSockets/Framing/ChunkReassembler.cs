using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Framing;
using ResilientSockets.Internal;

namespace ResilientSockets;

/// <summary>
/// Reassembles incoming chunked transfers from frames, in any order, under strict limits, and produces the control
/// frames (acks, errors) to send back. A bad frame fails its transfer, never the connection. Usable without the client,
/// on any WebSocket (an ASP.NET Core endpoint, say); keep one instance across reconnects so transfers resume.
/// </summary>
public sealed partial class ChunkReassembler : IAsyncDisposable
{
    private const int RememberFinished = 256;

    private readonly ChunkedTransferOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<Guid, Incoming> _active = [];
    private readonly Dictionary<Guid, (bool Completed, uint Total, ChunkTransferError Error)> _finished = [];
    private readonly Queue<Guid> _finishedOrder = new();
    private readonly byte[] _control = new byte[ChunkFrameCodec.HeaderSize + ChunkFrameCodec.MaxErrorPayload];
    private long _buffered;
    private bool _disposed;

    /// <summary>Initializes a reassembler.</summary>
    /// <param name="options">Limits and the optional sink factory; validated and copied.</param>
    /// <param name="timeProvider">The clock for incomplete-transfer timeouts.</param>
    public ChunkReassembler(ChunkedTransferOptions? options = null, TimeProvider? timeProvider = null)
    {
        _options = (options ?? new ChunkedTransferOptions()).Clone();
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets the number of transfers in progress.</summary>
    public int ActiveTransfers
    {
        get
        {
            lock (_active)
            {
                return _active.Count;
            }
        }
    }

    /// <summary>Gets the bytes currently held in memory for incomplete transfers.</summary>
    public long BufferedBytes => Interlocked.Read(ref _buffered);

    /// <summary>
    /// Processes one frame (Data or Cancel). Control frames to send back are passed to <paramref name="reply"/> one at a
    /// time; the memory is reused afterwards, so copy it if you queue it. The latest <paramref name="reply"/> of each
    /// transfer is also kept to send Error 7 (TimedOut) from a timer when the transfer expires; an exception it throws
    /// there is ignored (the sender's next chunk then gets the same error).
    /// </summary>
    /// <param name="frame">The whole binary message.</param>
    /// <param name="reply">Sends a control frame back to the sender.</param>
    /// <param name="cancellationToken">Cancels waiting for the reassembler and writing to the sink.</param>
    /// <returns>The transfer this frame completed, or <see langword="null"/>.</returns>
    /// <exception cref="ChunkFrameException">The frame was rejected; if it belonged to a transfer, that transfer was failed and the sender told.</exception>
    public async ValueTask<IncomingTransfer?> ProcessAsync(ReadOnlyMemory<byte> frame, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> reply, CancellationToken cancellationToken = default)
    {
        Guard.NotNull(reply);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(ChunkReassembler));
            }

            ChunkFrameHeader header;
            try
            {
                header = ChunkFrameCodec.DecodeHeader(frame.Span);
            }
            catch (ChunkFrameException ex) when (ex.TransferId is { } id)
            {
                // An Error frame is never answered, even a malformed one: two peers must not trade errors forever.
                await FailAsync(id, ex, IsErrorKind(frame.Span) ? null : reply, cancellationToken).ConfigureAwait(false);
                throw;
            }

            switch (header.Kind)
            {
                case ChunkFrameKind.Cancel:
                    await FailAsync(header.TransferId, new ChunkFrameException(ChunkTransferError.Cancelled, $"Transfer {header.TransferId} was cancelled by the sender.", header.TransferId), null, cancellationToken).ConfigureAwait(false);
                    return null;
                case ChunkFrameKind.Data:
                    break;
                default:
                    throw new ChunkFrameException(ChunkTransferError.InvalidFrame, $"A reassembler takes Data and Cancel frames; route {header.Kind} frames to the sending side.", header.TransferId);
            }

            try
            {
                return await ProcessDataAsync(header, frame, reply, cancellationToken).ConfigureAwait(false);
            }
            catch (ChunkFrameException ex)
            {
                await FailAsync(header.TransferId, ex, reply, cancellationToken).ConfigureAwait(false);
                throw;
            }
            catch (Exception ex) when (IsSinkFailure(ex))
            {
                var error = new ChunkFrameException(ChunkTransferError.SinkFailed, $"Transfer {header.TransferId}: the sink failed: {ex.Message}", header.TransferId);
                await FailAsync(header.TransferId, error, reply, cancellationToken).ConfigureAwait(false);
                throw error;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Fails a transfer because of a frame the caller could not hand over (the client reads through a frame larger
    /// than its message limit and rejects it here), and tells the sender.
    /// </summary>
    internal async ValueTask RejectAsync(ChunkFrameException error, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask>? reply, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_disposed && error.TransferId is { } id)
            {
                await FailAsync(id, error, reply, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Fails every transfer in progress and frees its memory and sink.</summary>
    /// <returns>A task that completes when everything is freed.</returns>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            List<Incoming> all;
            lock (_active)
            {
                all = [.. _active.Values];
                _active.Clear();
            }

            foreach (var transfer in all)
            {
                Free(transfer);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask<IncomingTransfer?> ProcessDataAsync(ChunkFrameHeader header, ReadOnlyMemory<byte> frame, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> reply, CancellationToken cancellationToken)
    {
        var id = header.TransferId;
        var payload = frame.Slice(ChunkFrameCodec.HeaderSize);
        if (Crc32.Compute(payload.Span) != header.Crc32)
        {
            throw new ChunkFrameException(ChunkTransferError.CrcMismatch, $"Chunk {header.ChunkId} of transfer {id}: CRC-32 mismatch.", id);
        }

        if (_finished.TryGetValue(id, out var finished))
        {
            // A late duplicate: repeat the outcome, so a sender whose final ack was lost still learns it.
            await ReplyAsync(reply, finished.Completed ? Ack(id, finished.Total, finished.Total) : ErrorFrame(id, finished.Error, "The transfer already failed."), cancellationToken).ConfigureAwait(false);
            return null;
        }

        Incoming? transfer;
        lock (_active)
        {
            _active.TryGetValue(id, out transfer);
        }

        if (transfer is null)
        {
            transfer = await StartAsync(header, cancellationToken).ConfigureAwait(false);
        }
        else if (transfer.TotalChunks != header.TotalChunks || transfer.ChunkSize != header.ChunkSize)
        {
            throw new ChunkFrameException(ChunkTransferError.InvalidFrame, $"Transfer {id}: total_chunks/chunk size changed mid-transfer.", id);
        }

        transfer.Timer.Change(_options.IncompleteTransferTimeout, Timeout.InfiniteTimeSpan);
        transfer.Reply = reply; // the timeout tells the sender through the latest route (a reconnect may have replaced it)
        var data = payload;
        if (header.HasMetadata)
        {
            if (payload.Length < 4)
            {
                throw new ChunkFrameException(ChunkTransferError.InvalidFrame, $"Transfer {id}: the metadata block is truncated.", id);
            }

            var metadataLength = BinaryPrimitives.ReadUInt32BigEndian(payload.Span);
            if (metadataLength > ChunkFrameCodec.MaxMetadataSize)
            {
                throw new ChunkFrameException(ChunkTransferError.InvalidFrame, $"Transfer {id}: the metadata block is {metadataLength} bytes; the format allows at most {ChunkFrameCodec.MaxMetadataSize}.", id);
            }

            if (4L + metadataLength > payload.Length)
            {
                throw new ChunkFrameException(ChunkTransferError.InvalidFrame, $"Transfer {id}: the metadata block declares {metadataLength} bytes but only {payload.Length - 4} follow.", id);
            }

            var metadata = ChunkMetadata.Decode(payload.Span.Slice(4, (int)metadataLength), id, _options.MaxTransferSize);
            CheckDeclaredLength(transfer, metadata.TotalLength);
            transfer.Metadata ??= metadata;
            data = payload.Slice(4 + (int)metadataLength);
        }

        CheckChunkLength(transfer, header.ChunkId, data.Length);
        if (transfer.IsReceived(header.ChunkId))
        {
            if (transfer.CrcOf(header.ChunkId) != header.Crc32)
            {
                throw new ChunkFrameException(ChunkTransferError.ConflictingDuplicate, $"Chunk {header.ChunkId} of transfer {id} arrived twice with different content.", id);
            }

            await ReplyAsync(reply, Ack(id, transfer.Contiguous, transfer.TotalChunks), cancellationToken).ConfigureAwait(false);
            return null;
        }

        await StoreAsync(transfer, header.ChunkId, data, cancellationToken).ConfigureAwait(false);
        transfer.MarkReceived(header.ChunkId, header.Crc32, data.Length);
        await ReplyAsync(reply, Ack(id, transfer.Contiguous, transfer.TotalChunks), cancellationToken).ConfigureAwait(false);
        return transfer.ReceivedCount == transfer.TotalChunks ? await CompleteAsync(transfer, cancellationToken).ConfigureAwait(false) : null;
    }

    private async ValueTask<Incoming> StartAsync(ChunkFrameHeader header, CancellationToken cancellationToken)
    {
        var id = header.TransferId;
        if (header.TotalChunks > (uint)_options.MaxChunksPerTransfer)
        {
            throw new ChunkFrameException(ChunkTransferError.TooLarge, $"Transfer {id} has {header.TotalChunks} chunks; the limit is {_options.MaxChunksPerTransfer}.", id);
        }

        if (((long)(header.TotalChunks - 1) * header.ChunkSize) >= _options.MaxTransferSize)
        {
            throw new ChunkFrameException(ChunkTransferError.TooLarge, $"Transfer {id} is larger than MaxTransferSize ({_options.MaxTransferSize} bytes).", id);
        }

        lock (_active)
        {
            if (_active.Count >= _options.MaxConcurrentIncomingTransfers)
            {
                throw new ChunkFrameException(ChunkTransferError.TooManyTransfers, $"Transfer {id} refused: {_active.Count} incoming transfers are already in progress (MaxConcurrentIncomingTransfers).", id);
            }
        }

        Stream sink;
        if (_options.SinkFactory is { } factory)
        {
            try
            {
                sink = await factory(id, null, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not ChunkFrameException)
            {
                throw new ChunkFrameException(ChunkTransferError.SinkFailed, $"Transfer {id}: the SinkFactory failed: {ex.Message}", id);
            }
        }
        else
        {
            sink = new ChunkedMemoryStream();
        }

        var transfer = new Incoming(id, header.TotalChunks, header.ChunkSize, sink, _options.SinkFactory is null);
        transfer.Timer = _time.CreateTimer(static s => _ = ((Incoming)s!).Owner!.ExpireAsync((Incoming)s!), transfer, _options.IncompleteTransferTimeout, Timeout.InfiniteTimeSpan);
        transfer.Owner = this;
        lock (_active)
        {
            _active[id] = transfer;
        }

        return transfer;
    }

    private async ValueTask<IncomingTransfer> CompleteAsync(Incoming transfer, CancellationToken cancellationToken)
    {
        if (transfer.Metadata is { } metadata && metadata.TotalLength != transfer.Bytes)
        {
            throw new ChunkFrameException(ChunkTransferError.LengthMismatch, $"Transfer {transfer.Id}: received {transfer.Bytes} bytes but the metadata declared {metadata.TotalLength}.", transfer.Id);
        }

        // The caller owns the sink now, so its bytes stop counting; released before the transfer stops being active
        // (here and in Retire), so whoever sees ActiveTransfers drop also sees BufferedBytes without it.
        Interlocked.Add(ref _buffered, -transfer.MemoryBytes);
        lock (_active)
        {
            _active.Remove(transfer.Id);
        }

        transfer.Timer.Dispose();
        Remember(transfer.Id, completed: true, transfer.TotalChunks, default);
        var sink = transfer.Sink;
        await sink.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (sink.CanSeek)
        {
            sink.Position = 0;
        }

        return new IncomingTransfer(transfer.Id, transfer.Metadata, transfer.Bytes, sink);
    }

    private async Task ExpireAsync(Incoming transfer)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            bool current;
            lock (_active)
            {
                current = _active.TryGetValue(transfer.Id, out var active) && ReferenceEquals(active, transfer);
            }

            if (current)
            {
                Retire(transfer);
                Remember(transfer.Id, completed: false, transfer.TotalChunks, ChunkTransferError.TimedOut);
                await TellTimedOutAsync(transfer).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask TellTimedOutAsync(Incoming transfer)
    {
        if (transfer.Reply is not { } reply)
        {
            return;
        }

        try
        {
            var reason = $"Transfer {transfer.Id}: no chunk arrived for {_options.IncompleteTransferTimeout.TotalSeconds:0.###} s (IncompleteTransferTimeout); the receiver freed it.";
            await ReplyAsync(reply, ErrorFrame(transfer.Id, ChunkTransferError.TimedOut, reason), CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Best effort from a timer: the route may be gone; a late chunk still gets the remembered Error.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private async ValueTask FailAsync(Guid id, ChunkFrameException error, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask>? reply, CancellationToken cancellationToken)
    {
        Incoming? transfer;
        lock (_active)
        {
            _active.TryGetValue(id, out transfer);
        }

        if (transfer is not null)
        {
            Retire(transfer);
        }

        Remember(id, completed: false, transfer?.TotalChunks ?? 0, error.Error);
        if (reply is not null)
        {
            await ReplyAsync(reply, ErrorFrame(id, error.Error, error.Message), cancellationToken).ConfigureAwait(false);
        }
    }

    private void Retire(Incoming transfer)
    {
        Free(transfer);
        lock (_active)
        {
            _active.Remove(transfer.Id);
        }
    }

    private void Remember(Guid id, bool completed, uint total, ChunkTransferError error)
    {
        if (!_finished.ContainsKey(id))
        {
            _finishedOrder.Enqueue(id);
            if (_finishedOrder.Count > RememberFinished)
            {
                _finished.Remove(_finishedOrder.Dequeue());
            }
        }

        _finished[id] = (completed, total, error);
    }

    private static ValueTask ReplyAsync(Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> reply, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
        => reply(frame, cancellationToken);

    private ReadOnlyMemory<byte> Ack(Guid id, uint contiguous, uint total)
    {
        var length = ChunkFrameCodec.Encode(new ChunkFrameHeader(ChunkFrameKind.Ack, id, contiguous, total, 0), ReadOnlySpan<byte>.Empty, _control);
        return _control.AsMemory(0, length);
    }

    private ReadOnlyMemory<byte> ErrorFrame(Guid id, ChunkTransferError error, string reason)
        => _control.AsMemory(0, ChunkFrameCodec.EncodeError(id, error, reason, _control));

    private static bool IsErrorKind(ReadOnlySpan<byte> frame) => frame.Length > 3 && frame[3] == (byte)ChunkFrameKind.Error;

    private static bool IsSinkFailure(Exception ex)
        => ex is IOException or UnauthorizedAccessException or NotSupportedException or ObjectDisposedException;


}
