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
                var header = ChunkFrameCodec.Decode(frame.Span, out var payload);
                if (_outgoing.TryGetValue(header.TransferId, out var transfer))
                {
                    if (kind == ChunkFrameKind.Ack)
                    {
                        transfer.OnAck(header.ChunkId);
                    }
                    else
                    {
                        transfer.OnError(payload);
                    }
                }

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
        using var transfer = new OutgoingTransfer(splitter.TransferId, _options.AckTimeout, _time, cancellationToken);
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
            ChunkFrameCodec.Encode(new ChunkFrameHeader(ChunkFrameKind.Cancel, transfer.Id, 0, total, (uint)_options.ChunkSize), ReadOnlySpan<byte>.Empty, cancel);
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
