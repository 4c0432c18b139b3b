using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using ResilientSockets.Diagnostics;
using ResilientSockets.Internal;

namespace ResilientSockets.Framing;

/// <summary>
/// The client's side of chunked transfers: sends with an ack window and resumes after reconnects; receives through one
/// long-lived <see cref="ChunkReassembler"/>, so an incoming transfer survives reconnects too.
/// </summary>
internal sealed class TransferEngine
{
    private readonly ChunkedTransferOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ChunkReassembler _reassembler;
    private readonly Channel<IncomingTransfer> _completed = Channel.CreateUnbounded<IncomingTransfer>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly ConcurrentDictionary<Guid, OutgoingTransfer> _outgoing = new();
    private readonly Func<ReadOnlyMemory<byte>, bool> _postControl;
    private readonly Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> _reply;

    private readonly SocketMetrics _metrics;
    private readonly KeyValuePair<string, object?> _nameTag;

    public TransferEngine(ChunkedTransferOptions options, TimeProvider time, ILogger logger, Func<ReadOnlyMemory<byte>, bool> postControl, SocketMetrics metrics, KeyValuePair<string, object?> nameTag)
    {
        _metrics = metrics;
        _nameTag = nameTag;
        _options = options;
        _time = time;
        _logger = logger;
        _postControl = postControl;
        _reassembler = new ChunkReassembler(options, time);
        _reply = (frame, _) =>
        {
            // Control frames are posted (copied) so the receive loop never waits on the send queue; a lost ack is repaired by the sender's resend.
            _postControl(frame);
            return default;
        };
    }

    public ChannelReader<IncomingTransfer> Completed => _completed.Reader;

    public async ValueTask OnFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        try
        {
            var kind = frame.Length > 3 ? (ChunkFrameKind)frame.Span[3] : 0;
            if (kind is ChunkFrameKind.Ack or ChunkFrameKind.Error)
            {
                OnControlFrame(frame.Span, kind);
                return;
            }

            if (await _reassembler.ProcessAsync(frame, _reply, cancellationToken).ConfigureAwait(false) is { } done)
            {
                _completed.Writer.TryWrite(done);
            }
        }
        catch (ChunkFrameException ex)
        {
            Log.TransferFrameRejected(_logger, ex.TransferId, ex.Error, ex.Message);
        }
    }

    /// <summary>
    /// A frame larger than the receive limit was read through and discarded (memory stayed bounded); fail its transfer
    /// with TooLarge and tell the sender, instead of closing the connection with 1009 and reconnecting into the same frame.
    /// </summary>
    public async ValueTask OnOversizedFrameAsync(DiscardedFrame frame, int maxMessageSize, CancellationToken cancellationToken)
    {
        if (frame.TransferId is not { } id)
        {
            Log.TransferFrameRejected(_logger, null, ChunkTransferError.TooLarge, $"A {frame.Length}-byte frame exceeded Receiving.MaxMessageSize ({maxMessageSize}) and was discarded; its transfer id was unreadable.");
            return;
        }

        var error = new ChunkFrameException(
            ChunkTransferError.TooLarge,
            $"Transfer {id}: a {frame.Length}-byte frame exceeds the receiver's message limit ({maxMessageSize} bytes, Receiving.MaxMessageSize); send chunks of at most {Math.Max(0, maxMessageSize - ChunkFrameCodec.HeaderSize)} bytes (chunk 0 also carries its metadata block).",
            id);
        Log.TransferFrameRejected(_logger, id, error.Error, error.Message);
        if (frame.Kind is ChunkFrameKind.Ack or ChunkFrameKind.Error)
        {
            // A control frame that large is nonsense from the transfer's receiver.
            FailOutgoing(id, error, reply: frame.Kind == ChunkFrameKind.Ack);
            return;
        }

        await _reassembler.RejectAsync(error, _reply, cancellationToken).ConfigureAwait(false);
    }

    public void OnReconnected()
    {
        foreach (var transfer in _outgoing.Values)
        {
            transfer.RequestResend();
        }
    }

    public async Task<Guid> SendAsync(
        Stream content,
        long length,
        ChunkMetadata? metadata,
        IProgress<TransferProgress>? progress,
        Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> sendFrame,
        CancellationToken cancellationToken)
    {
        var splitter = new ChunkSplitter(content, length, _options.ChunkSize, metadata);
        var total = splitter.TotalChunks;
        var window = (int)Math.Min(_options.AckWindow, total);
        var frames = new byte[window][];
        var lengths = new int[window];
        using var transfer = new OutgoingTransfer(splitter.TransferId, total, _options.AckTimeout, _time, cancellationToken);
        _outgoing[transfer.Id] = transfer;
        var started = _time.GetTimestamp();
        uint acked = 0;
        using var activity = SocketMetrics.ActivitySource.StartActivity("ResilientSockets.Transfer", System.Diagnostics.ActivityKind.Producer);
        activity?.SetTag("resilientsockets.transfer.id", transfer.Id.ToString());
        activity?.SetTag("resilientsockets.transfer.bytes", length);
        activity?.SetTag("resilientsockets.transfer.chunks", (long)total);
        try
        {
            while (acked < total)
            {
                while (splitter.NextChunkId < total && splitter.NextChunkId - acked < window)
                {
                    var slot = (int)(splitter.NextChunkId % (uint)window);
                    // Exact-size buffers, one per window slot for the whole transfer: the shared pool would round a
                    // 64 KiB chunk plus its header up to 128 KiB, doubling the sender's peak memory.
                    var buffer = frames[slot] ??= NewFrameBuffer(splitter.MaxFrameLength);
                    lengths[slot] = await splitter.ReadFrameAsync(buffer, cancellationToken).ConfigureAwait(false);
                    transfer.MarkSent(splitter.NextChunkId);
                    await sendFrame(buffer.AsMemory(0, lengths[slot]), cancellationToken).ConfigureAwait(false);
                }

                var (nowAcked, resend) = await transfer.WaitAsync(acked).ConfigureAwait(false);
                if (nowAcked > acked)
                {
                    acked = nowAcked;
                    var bytes = Math.Min(length, (long)acked * _options.ChunkSize);
                    var seconds = _time.GetElapsedTime(started).TotalSeconds;
                    progress?.Report(new TransferProgress(bytes, length, acked, total, seconds > 0 ? bytes / seconds : 0));
                }

                if (resend && acked < total)
                {
                    // Only what the receiver has not confirmed; duplicates of chunks it already has are harmless.
                    for (var chunk = acked; chunk < splitter.NextChunkId; chunk++)
                    {
                        var slot = (int)(chunk % (uint)window);
                        await sendFrame(frames[slot].AsMemory(0, lengths[slot]), cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            var totalSeconds = _time.GetElapsedTime(started).TotalSeconds;
            _metrics.TransferThroughput.Record(totalSeconds > 0 ? length / totalSeconds : 0, _nameTag);
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Ok);
            return transfer.Id;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            var cancel = new byte[ChunkFrameCodec.HeaderSize];
            ChunkFrameCodec.Encode(new ChunkFrameHeader(ChunkFrameKind.Cancel, transfer.Id, 0, 0, 0), ReadOnlySpan<byte>.Empty, cancel);
            _postControl(cancel);
            throw;
        }
        catch (Exception ex)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
            throw;
        }
        finally
        {
            _outgoing.TryRemove(transfer.Id, out _);
        }
    }

    private void OnControlFrame(ReadOnlySpan<byte> frame, ChunkFrameKind kind)
    {
        ChunkFrameHeader header;
        ReadOnlySpan<byte> payload;
        try
        {
            header = ChunkFrameCodec.Decode(frame, out payload);
        }
        catch (ChunkFrameException ex) when (ex.TransferId is { } unreadable)
        {
            // The id is readable but the frame is not: this peer's word on that transfer cannot be trusted, so the
            // transfer fails now rather than resending every AckTimeout forever.
            FailOutgoing(unreadable, new ChunkFrameException(ex.Error, $"The receiver sent a malformed {kind} frame: {ex.Message}", unreadable), reply: kind == ChunkFrameKind.Ack);
            throw;
        }

        if (!_outgoing.TryGetValue(header.TransferId, out var transfer))
        {
            // A late Ack or Error for a transfer that already ended here: nothing to do.
            Log.TransferControlFrameIgnored(_logger, header.TransferId, kind);
            return;
        }

        if (kind == ChunkFrameKind.Error)
        {
            transfer.OnError(payload);
            return;
        }

        // Only chunk_id means something in an Ack (total_chunks and chunk_size are ignored, README); it must not claim
        // chunks that were never sent, or the transfer would "complete" with data missing.
        var sent = transfer.Sent;
        if (header.ChunkId > sent)
        {
            var error = new ChunkFrameException(
                ChunkTransferError.InvalidFrame,
                $"Transfer {header.TransferId}: the receiver acknowledged {header.ChunkId} chunks, but only {sent} of {transfer.TotalChunks} have been sent.",
                header.TransferId);
            FailOutgoing(header.TransferId, error, reply: true);
            throw error;
        }

        transfer.OnAck(header.ChunkId);
    }

    /// <summary>Fails an outgoing transfer (if it is still running) and, unless the bad frame was itself an Error, tells the peer.</summary>
    private void FailOutgoing(Guid id, ChunkFrameException error, bool reply)
    {
        if (_outgoing.TryGetValue(id, out var transfer))
        {
            transfer.Fail(error);
        }

        if (reply)
        {
            var frame = new byte[ChunkFrameCodec.HeaderSize + ChunkFrameCodec.MaxErrorPayload];
            _postControl(frame.AsMemory(0, ChunkFrameCodec.EncodeError(id, error.Error, error.Message, frame)));
        }
    }

    private static byte[] NewFrameBuffer(int length)
#if NET
        => GC.AllocateUninitializedArray<byte>(length);
#else
        => new byte[length];
#endif

    public void Complete() => _completed.Writer.TryComplete();

    public ValueTask DisposeAsync()
    {
        Complete();
        return _reassembler.DisposeAsync();
    }
}
