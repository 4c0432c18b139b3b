using System.Net.WebSockets;
using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ResilientSockets.Tests.Framing;

/// <summary>Transfers between the client and a Kestrel endpoint that uses the public reassembler and splitter.</summary>
public sealed class TransferWireTests(ITestOutputHelper output)
{
    internal const int Chunk = 64 * 1024;

    internal static ResilientWebSocket Client(Uri uri, Action<ResilientWebSocketOptions>? configure = null)
        => Sut.Create(uri, o =>
        {
            o.Framing = new ChunkedTransferOptions { ChunkSize = Chunk, AckTimeout = TimeSpan.FromSeconds(2) };
            configure?.Invoke(o);
        });

    /// <summary>Subscribes to the server's report first, then starts the transfer (a direct write can be answered at once).</summary>
    internal static async Task<string> ReceivedReportAsync(ResilientWebSocket client, Func<Task> send)
    {
        await using var reader = client.ReadAllAsync().GetAsyncEnumerator();
        var next = reader.MoveNextAsync().AsTask();
        await send().WaitAsync(TimeSpan.FromSeconds(60));
        (await next.WaitAsync(TestTimeouts.Signal)).Should().BeTrue();
        return reader.Current.Text;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Chunk - 1)]
    [InlineData(Chunk)]
    [InlineData(Chunk + 1)]
    [InlineData(64 * 1024 * 1024)]
    public async Task Client_to_server_round_trips_are_byte_identical(int size)
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var reassembler = new ChunkReassembler();
        server.Map("/transfers", FrameTestHelpers.ReceivingRoute(reassembler));
        await using var client = Client(server.GetUri("/transfers"));
        await client.StartAsync();
        var data = FrameTestHelpers.Data(size);
        var reports = new List<TransferProgress>();

        var report = await ReceivedReportAsync(client, () => client.SendTransferAsync(data, new ChunkMetadata { Name = "blob.bin" }, new SyncProgress(reports.Add)));

        report.Should().EndWith($" {size} {FrameTestHelpers.Sha256(data)} blob.bin");
        reports.Should().NotBeEmpty();
        reports[^1].BytesAcknowledged.Should().Be(size);
        reports[^1].ChunksAcknowledged.Should().Be(reports[^1].TotalChunks);
        reassembler.ActiveTransfers.Should().Be(0);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(Chunk + 1)]
    [InlineData(3 * Chunk)]
    public async Task Server_to_client_transfers_arrive_whole_with_metadata(int size)
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var data = FrameTestHelpers.Data(size, seed: 7);
        server.Map("/push", new ServerRoute
        {
            OnConnected = async c =>
            {
                var splitter = new ChunkSplitter(new MemoryStream(data), data.Length, Chunk, new ChunkMetadata { ContentType = "application/octet-stream", Name = "push.bin" });
                var buffer = new byte[splitter.MaxFrameLength];
                while (splitter.NextChunkId < splitter.TotalChunks)
                {
                    var length = await splitter.ReadFrameAsync(buffer);
                    await c.SendAsync(buffer.AsMemory(0, length), WebSocketMessageType.Binary);
                }
            },
        });
        await using var client = Client(server.GetUri("/push"));
        await using var transfers = client.ReadTransfersAsync().GetAsyncEnumerator();
        var next = transfers.MoveNextAsync().AsTask();

        await client.StartAsync();

        (await next.WaitAsync(TestTimeouts.Signal)).Should().BeTrue();
        await using var transfer = transfers.Current;
        transfer.Metadata!.Name.Should().Be("push.bin");
        transfer.Metadata.ContentType.Should().Be("application/octet-stream");
        transfer.Length.Should().Be(size);
        (await FrameTestHelpers.Sha256Async(transfer.Content)).Should().Be(FrameTestHelpers.Sha256(data));
        await server.WaitUntilAsync(s => s.ReceivedMessages.Any(m => m.MessageType == WebSocketMessageType.Binary && ChunkFrameCodec.Decode(m.Data.Span, out _) is { Kind: ChunkFrameKind.Ack } h && h.ChunkId == h.TotalChunks), TestTimeouts.Signal);
    }

    [Fact]
    public async Task A_transfer_resumes_after_the_server_aborts_the_connection_twice()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var reassembler = new ChunkReassembler();
        var receiving = FrameTestHelpers.ReceivingRoute(reassembler);
        var chunksSeen = 0;
        var aborts = 0;
        server.Map("/flaky", new ServerRoute
        {
            OnMessage = async (c, m) =>
            {
                await receiving.OnMessage!(c, m);
                var seen = Interlocked.Increment(ref chunksSeen);
                if ((seen == 60 || seen == 180) && Interlocked.Increment(ref aborts) <= 2)
                {
                    c.Abort();
                }
            },
        });
        await using var client = Client(server.GetUri("/flaky"));
        var states = new StateRecorder(client);
        await client.StartAsync();
        var data = FrameTestHelpers.Data(16 * 1024 * 1024, seed: 3);

        var report = await ReceivedReportAsync(client, () => client.SendTransferAsync(data));

        report.Should().EndWith($" {data.Length} {FrameTestHelpers.Sha256(data)} ");
        aborts.Should().Be(2);
        states.States.Count(s => s == ConnectionState.Reconnecting).Should().Be(2);
        output.WriteLine($"chunk frames received by the server: {chunksSeen} for {data.Length / Chunk} chunks (the difference was resent)");
        chunksSeen.Should().BeGreaterThanOrEqualTo(data.Length / Chunk);
    }

    [Fact]
    public async Task A_chunk_whose_ack_never_comes_is_sent_again_after_the_ack_timeout()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var reassembler = new ChunkReassembler();
        var receiving = FrameTestHelpers.ReceivingRoute(reassembler);
        var dataFrames = 0;
        server.Map("/lossy", new ServerRoute
        {
            OnMessage = (c, m) =>
            {
                // The link stays up but the third chunk vanishes, as if a proxy dropped it: no ack, no error.
                if (m.MessageType == WebSocketMessageType.Binary && Interlocked.Increment(ref dataFrames) == 3)
                {
                    return Task.CompletedTask;
                }

                return receiving.OnMessage!(c, m);
            },
        });
        await using var client = Client(server.GetUri("/lossy"), o =>
        {
            o.Framing!.AckWindow = 2;
            o.Framing.AckTimeout = TimeSpan.FromMilliseconds(300);
        });
        var states = new StateRecorder(client);
        await client.StartAsync();
        var data = FrameTestHelpers.Data(6 * Chunk, seed: 5);

        var report = await ReceivedReportAsync(client, () => client.SendTransferAsync(data));

        report.Should().EndWith($" {data.Length} {FrameTestHelpers.Sha256(data)} ");
        dataFrames.Should().BeGreaterThan(6, "the lost chunk (and whatever was unacknowledged with it) was sent again");
        states.States.Should().NotContain(ConnectionState.Reconnecting, "an ack timeout resends on the same connection");
    }

    [Fact]
    public async Task Cancelling_a_transfer_frees_the_receivers_state()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var reassembler = new ChunkReassembler();
        var receiving = FrameTestHelpers.ReceivingRoute(reassembler);
        var firstChunk = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Map("/slow", new ServerRoute
        {
            OnMessage = async (c, m) =>
            {
                await receiving.OnMessage!(c, m);
                firstChunk.TrySetResult();
            },
        });
        await using var client = Client(server.GetUri("/slow"), o => o.Framing!.AckWindow = 1);
        await client.StartAsync();
        using var cts = new CancellationTokenSource();
        var transfer = client.SendTransferAsync(FrameTestHelpers.Data(50 * Chunk), cancellationToken: cts.Token);
        await firstChunk.Task.WaitAsync(TestTimeouts.Signal);
        reassembler.ActiveTransfers.Should().Be(1);

        await cts.CancelAsync();

        await transfer.Invoking(t => t.WaitAsync(TestTimeouts.Signal)).Should().ThrowAsync<OperationCanceledException>();
        await server.WaitUntilAsync(_ => reassembler.ActiveTransfers == 0, TestTimeouts.Signal);
        reassembler.BufferedBytes.Should().Be(0);
    }

    [Fact]
    public async Task A_receiver_limit_fails_the_senders_task_with_the_reason()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var reassembler = new ChunkReassembler(new ChunkedTransferOptions { MaxTransferSize = 100_000 });
        server.Map("/small", FrameTestHelpers.ReceivingRoute(reassembler));
        await using var client = Client(server.GetUri("/small"));
        await client.StartAsync();

        var act = () => client.SendTransferAsync(FrameTestHelpers.Data(1_000_000));

        (await act.Should().ThrowAsync<ChunkFrameException>()).Which.Error.Should().Be(ChunkTransferError.TooLarge);
        client.State.Should().Be(ConnectionState.Open, "a failed transfer never fails the connection");
    }

    [Fact]
    public async Task An_ordinary_binary_message_that_looks_like_a_frame_is_refused_when_framing_is_on()
    {
        await using var client = Client(new Uri("ws://127.0.0.1:9/"));

        var act = async () => await client.SendBinaryAsync(new byte[] { 0x52, 0x53, 1, 2 });

        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*magic*");
    }

    /// <summary>Reports synchronously (Progress&lt;T&gt; posts to the thread pool, which would reorder reports).</summary>
    internal sealed class SyncProgress(Action<TransferProgress> report) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value) => report(value);
    }

    /// <summary>A seekable read-only stream of generated bytes, so a 256 MiB source needs no 256 MiB array.</summary>
    internal sealed class PatternStream(long length) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get; set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - Position);
            for (var i = 0; i < n; i++)
            {
                buffer[offset + i] = (byte)((Position + i) * 31 >> 3);
            }

            Position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => Position = origin == SeekOrigin.Begin ? offset : origin == SeekOrigin.Current ? Position + offset : length + offset;

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>Measures the managed heap of the whole process, so it runs alone.</summary>
[Collection(ProcessWideCollection.Name)]
public sealed class TransferMemoryTests(ITestOutputHelper output)
{
    private const int Chunk = TransferWireTests.Chunk;

    private static ResilientWebSocket Client(Uri uri) => TransferWireTests.Client(uri);

    private static Task<string> ReceivedReportAsync(ResilientWebSocket client, Func<Task> send) => TransferWireTests.ReceivedReportAsync(client, send);

    [Fact]
    public async Task A_256_MiB_transfer_into_a_file_sink_keeps_the_managed_heap_bounded()
    {
        const long Size = 256L * 1024 * 1024;
        const long Bound = 96L * 1024 * 1024;
        var path = Path.Combine(Path.GetTempPath(), $"rs-256-{Guid.NewGuid():N}.bin");
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var reassembler = new ChunkReassembler(new ChunkedTransferOptions
        {
            MaxBufferedBytes = 4 * Chunk,
            SinkFactory = (_, _, _) => ValueTask.FromResult<Stream>(new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose)),
        });
        var route = FrameTestHelpers.ReceivingRoute(reassembler, done => done.Content.Dispose());
        route.RecordMessages = false; // the test server must not hold the payload either
        server.Map("/file", route);
        await using var client = Client(server.GetUri("/file"));
        await client.StartAsync();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;
        var source = new TransferWireTests.PatternStream(Size);

        var report = await ReceivedReportAsync(client, () => client.SendTransferAsync(source, progress: new TransferWireTests.SyncProgress(_ => peak = Math.Max(peak, GC.GetTotalMemory(false)))));

        report.Should().Contain($" {Size} ");
        var growth = peak - baseline;
        output.WriteLine($"256 MiB through a file sink: managed heap peak growth {growth / (1024.0 * 1024):0.0} MiB over a {baseline / (1024.0 * 1024):0.0} MiB baseline (bound {Bound / (1024 * 1024)} MiB)");
        growth.Should().BeLessThan(Bound);
    }

}
