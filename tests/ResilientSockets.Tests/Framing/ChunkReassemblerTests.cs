using System.Buffers.Binary;
using FluentAssertions;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Framing;

public sealed class ChunkReassemblerTests
{
    private readonly List<byte[]> _replies = [];

    private ValueTask Reply(ReadOnlyMemory<byte> frame, CancellationToken _)
    {
        _replies.Add(frame.ToArray());
        return default;
    }

    private ChunkFrameHeader LastReply() => ChunkFrameCodec.Decode(_replies[^1], out _);

    private ChunkTransferError LastError()
    {
        ChunkFrameCodec.Decode(_replies[^1], out var payload);
        return (ChunkTransferError)BinaryPrimitives.ReadUInt16BigEndian(payload);
    }

    private static byte[] Frame(ChunkFrameKind kind, Guid id, uint chunk, uint total, uint chunkSize, byte[] payload)
    {
        var frame = new byte[ChunkFrameCodec.HeaderSize + payload.Length];
        ChunkFrameCodec.Encode(new ChunkFrameHeader(kind, id, chunk, total, chunkSize), payload, frame);
        return frame;
    }

    [Fact]
    public async Task Out_of_order_and_duplicated_chunks_reassemble_to_the_original()
    {
        var data = FrameTestHelpers.Data(10 * 100 + 37);
        var frames = await FrameTestHelpers.FramesAsync(data, 100, new ChunkMetadata { Name = "x.bin" });
        var order = frames.Concat(frames.Take(4)).OrderBy(_ => Random.Shared.Next()).ToList();
        await using var sut = new ChunkReassembler();

        IncomingTransfer? done = null;
        foreach (var frame in order)
        {
            done ??= await sut.ProcessAsync(frame, Reply);
        }

        done.Should().NotBeNull();
        done!.Metadata!.Name.Should().Be("x.bin");
        done.Length.Should().Be(data.Length);
        FrameTestHelpers.Sha256(ReadAll(done.Content)).Should().Be(FrameTestHelpers.Sha256(data));
        sut.ActiveTransfers.Should().Be(0);
        sut.BufferedBytes.Should().Be(0);
        _replies.Select(r => ChunkFrameCodec.Decode(r, out _)).Should().OnlyContain(h => h.Kind == ChunkFrameKind.Ack);
        _replies.Select(r => ChunkFrameCodec.Decode(r, out _).ChunkId).Max().Should().Be(11u, "the final cumulative ack equals total_chunks");
    }

    [Fact]
    public async Task A_conflicting_duplicate_fails_the_transfer_and_tells_the_sender()
    {
        var id = Guid.NewGuid();
        await using var sut = new ChunkReassembler();
        await sut.ProcessAsync(Frame(ChunkFrameKind.Data, id, 0, 3, 4, [1, 2, 3, 4]), Reply);

        var act = async () => await sut.ProcessAsync(Frame(ChunkFrameKind.Data, id, 0, 3, 4, [9, 9, 9, 9]), Reply);

        (await act.Should().ThrowAsync<ChunkFrameException>()).Which.Error.Should().Be(ChunkTransferError.ConflictingDuplicate);
        LastReply().Kind.Should().Be(ChunkFrameKind.Error);
        LastError().Should().Be(ChunkTransferError.ConflictingDuplicate);
        sut.ActiveTransfers.Should().Be(0);
    }

    [Fact]
    public async Task A_crc_mismatch_fails_that_transfer_only()
    {
        var good = Guid.NewGuid();
        var bad = Guid.NewGuid();
        await using var sut = new ChunkReassembler();
        await sut.ProcessAsync(Frame(ChunkFrameKind.Data, good, 0, 2, 4, [1, 2, 3, 4]), Reply);
        var corrupt = Frame(ChunkFrameKind.Data, bad, 0, 2, 4, [1, 2, 3, 4]);
        corrupt[^1] ^= 0x55;

        var act = async () => await sut.ProcessAsync(corrupt, Reply);

        (await act.Should().ThrowAsync<ChunkFrameException>()).Which.TransferId.Should().Be(bad);
        LastError().Should().Be(ChunkTransferError.CrcMismatch);
        var done = await sut.ProcessAsync(Frame(ChunkFrameKind.Data, good, 1, 2, 4, [5]), Reply);
        done!.Length.Should().Be(5, "the other transfer is unaffected");
    }

    [Theory]
    [InlineData(3u, 4u, new byte[] { 1, 2 }, ChunkTransferError.LengthMismatch)] // a middle chunk shorter than chunk size
    [InlineData(3u, 4u, new byte[] { 1, 2, 3, 4, 5 }, ChunkTransferError.LengthMismatch)] // longer than chunk size
    [InlineData(1u, 4u, new byte[] { 1, 2, 3, 4, 5 }, ChunkTransferError.LengthMismatch)] // a last chunk longer than chunk size
    [InlineData(1u, 0u, new byte[0], ChunkTransferError.InvalidFrame)] // chunk_size 0, even for an empty transfer
    [InlineData(uint.MaxValue, 4u, new byte[] { 1, 2, 3, 4 }, ChunkTransferError.TooLarge)] // total_chunks = 2^32 − 1
    [InlineData(3u, 16u * 1024 * 1024, new byte[] { 1 }, ChunkTransferError.LengthMismatch)]
    public async Task Hostile_headers_fail_the_transfer_without_allocating_for_their_claims(uint total, uint chunkSize, byte[] payload, ChunkTransferError expected)
    {
        await using var sut = new ChunkReassembler(new ChunkedTransferOptions { MaxTransferSize = 64L << 20 });
        var frame = Frame(ChunkFrameKind.Data, Guid.NewGuid(), 0, total, chunkSize, payload);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var act = async () => await sut.ProcessAsync(frame, Reply);

        (await act.Should().ThrowAsync<ChunkFrameException>()).Which.Error.Should().Be(expected);
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(256 * 1024, "nothing is allocated for what the header merely claims");
        sut.ActiveTransfers.Should().Be(0);
    }

    [Fact]
    public async Task A_payload_length_that_lies_is_rejected()
    {
        var frame = Frame(ChunkFrameKind.Data, Guid.NewGuid(), 0, 1, 8, [1, 2, 3]);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(36), 3000);
        await using var sut = new ChunkReassembler();

        var act = async () => await sut.ProcessAsync(frame, Reply);

        (await act.Should().ThrowAsync<ChunkFrameException>()).Which.Error.Should().Be(ChunkTransferError.LengthMismatch);
    }

    [Fact]
    public async Task More_concurrent_transfers_than_allowed_are_refused()
    {
        await using var sut = new ChunkReassembler(new ChunkedTransferOptions { MaxConcurrentIncomingTransfers = 2 });
        await sut.ProcessAsync(Frame(ChunkFrameKind.Data, Guid.NewGuid(), 0, 2, 4, [1, 2, 3, 4]), Reply);
        await sut.ProcessAsync(Frame(ChunkFrameKind.Data, Guid.NewGuid(), 0, 2, 4, [1, 2, 3, 4]), Reply);

        var act = async () => await sut.ProcessAsync(Frame(ChunkFrameKind.Data, Guid.NewGuid(), 0, 2, 4, [1, 2, 3, 4]), Reply);

        (await act.Should().ThrowAsync<ChunkFrameException>()).Which.Error.Should().Be(ChunkTransferError.TooManyTransfers);
        LastError().Should().Be(ChunkTransferError.TooManyTransfers);
        sut.ActiveTransfers.Should().Be(2);
    }

    [Fact]
    public async Task A_transfer_that_never_finishes_is_freed_by_the_timeout_and_its_file_deleted()
    {
        var time = new ObservableTimeProvider();
        var path = Path.Combine(Path.GetTempPath(), $"rs-timeout-{Guid.NewGuid():N}.bin");
        await using var sut = new ChunkReassembler(
            new ChunkedTransferOptions
            {
                IncompleteTransferTimeout = TimeSpan.FromSeconds(30),
                SinkFactory = (_, _, _) => ValueTask.FromResult<Stream>(new FileStream(path, FileMode.Create)),
            },
            time);
        var id = Guid.NewGuid();
        await sut.ProcessAsync(Frame(ChunkFrameKind.Data, id, 0, 3, 4, [1, 2, 3, 4]), Reply);
        File.Exists(path).Should().BeTrue();

        time.Advance(TimeSpan.FromSeconds(29));
        sut.ActiveTransfers.Should().Be(1);
        time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => sut.ActiveTransfers == 0, "the expired transfer is freed");

        File.Exists(path).Should().BeFalse("an abandoned transfer's file is removed");
        await Eventually.TrueAsync(() => _replies.Count == 2, "the sender is told when the timeout fires, not at its next chunk");
        LastReply().TransferId.Should().Be(id);
        LastError().Should().Be(ChunkTransferError.TimedOut);
        await sut.ProcessAsync(Frame(ChunkFrameKind.Data, id, 1, 3, 4, [5, 6, 7, 8]), Reply);
        LastError().Should().Be(ChunkTransferError.TimedOut, "a late chunk learns why");
    }

    [Theory]
    [InlineData(2, 9)] // version
    [InlineData(4, 0x40)] // unknown flag bit
    [InlineData(6, 1)] // reserved byte
    [InlineData(3, 9)] // unknown kind
    public async Task A_bad_frame_with_a_readable_id_is_answered_with_an_error_for_that_transfer(int offset, byte value)
    {
        var id = Guid.NewGuid();
        var frame = Frame(ChunkFrameKind.Data, id, 0, 1, 4, [1, 2, 3, 4]);
        frame[offset] = value;
        await using var sut = new ChunkReassembler();

        var act = async () => await sut.ProcessAsync(frame, Reply);

        (await act.Should().ThrowAsync<ChunkFrameException>()).Which.Error.Should().Be(ChunkTransferError.InvalidFrame);
        _replies.Should().ContainSingle();
        LastReply().Kind.Should().Be(ChunkFrameKind.Error);
        LastReply().TransferId.Should().Be(id);
        LastError().Should().Be(ChunkTransferError.InvalidFrame);
    }

    [Fact]
    public async Task A_malformed_error_frame_is_never_answered()
    {
        var frame = Frame(ChunkFrameKind.Error, Guid.NewGuid(), 0, 0, 0, [0, 1]);
        frame[2] = 7; // a version this peer does not speak
        await using var sut = new ChunkReassembler();

        var act = async () => await sut.ProcessAsync(frame, Reply);

        await act.Should().ThrowAsync<ChunkFrameException>();
        _replies.Should().BeEmpty("two peers must not trade errors forever");
    }

    [Fact]
    public async Task A_metadata_block_over_64_KiB_is_an_invalid_frame()
    {
        var payload = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(payload, ChunkFrameCodec.MaxMetadataSize + 1);
        var frame = new byte[ChunkFrameCodec.HeaderSize + payload.Length];
        ChunkFrameCodec.Encode(new ChunkFrameHeader(ChunkFrameKind.Data, Guid.NewGuid(), 0, 1, 4, hasMetadata: true), payload, frame);
        await using var sut = new ChunkReassembler();

        var act = async () => await sut.ProcessAsync(frame, Reply);

        (await act.Should().ThrowAsync<ChunkFrameException>()).Which.Message.Should().Contain("65537").And.Contain("65536");
        LastError().Should().Be(ChunkTransferError.InvalidFrame);
    }

    [Fact]
    public async Task A_metadata_total_length_of_two_to_the_64_minus_one_fails_with_too_large_and_a_clear_reason()
    {
        var block = new ChunkMetadata { Name = "x" }.Encode();
        block.AsSpan(0, 8).Fill(0xFF);
        var payload = new byte[4 + block.Length + 4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)block.Length);
        block.CopyTo(payload, 4);
        var frame = new byte[ChunkFrameCodec.HeaderSize + payload.Length];
        ChunkFrameCodec.Encode(new ChunkFrameHeader(ChunkFrameKind.Data, Guid.NewGuid(), 0, 1, 4, hasMetadata: true), payload, frame);
        await using var sut = new ChunkReassembler();

        var act = async () => await sut.ProcessAsync(frame, Reply);

        (await act.Should().ThrowAsync<ChunkFrameException>()).Which.Message.Should().Contain("18446744073709551615").And.NotContain("Arithmetic");
        LastError().Should().Be(ChunkTransferError.TooLarge);
    }

    [Fact]
    public async Task A_sink_factory_that_throws_fails_the_transfer_with_sink_failed()
    {
        await using var sut = new ChunkReassembler(new ChunkedTransferOptions { SinkFactory = (_, _, _) => throw new UnauthorizedAccessException("read-only disk") });

        var act = async () => await sut.ProcessAsync(Frame(ChunkFrameKind.Data, Guid.NewGuid(), 0, 1, 4, [1, 2, 3]), Reply);

        (await act.Should().ThrowAsync<ChunkFrameException>()).Which.Error.Should().Be(ChunkTransferError.SinkFailed);
        LastError().Should().Be(ChunkTransferError.SinkFailed);
    }

    [Fact]
    public async Task A_cancel_frame_frees_the_receivers_state()
    {
        var id = Guid.NewGuid();
        await using var sut = new ChunkReassembler();
        await sut.ProcessAsync(Frame(ChunkFrameKind.Data, id, 1, 3, 4, [1, 2, 3, 4]), Reply);
        sut.BufferedBytes.Should().Be(4);

        await sut.ProcessAsync(Frame(ChunkFrameKind.Cancel, id, 0, 3, 4, []), Reply);

        sut.ActiveTransfers.Should().Be(0);
        sut.BufferedBytes.Should().Be(0);
    }

    [Fact]
    public async Task The_memory_budget_is_enforced_across_transfers()
    {
        await using var sut = new ChunkReassembler(new ChunkedTransferOptions { MaxBufferedBytes = 10 });
        await sut.ProcessAsync(Frame(ChunkFrameKind.Data, Guid.NewGuid(), 0, 5, 8, FrameTestHelpers.Data(8)), Reply);

        var act = async () => await sut.ProcessAsync(Frame(ChunkFrameKind.Data, Guid.NewGuid(), 0, 5, 8, FrameTestHelpers.Data(8)), Reply);

        (await act.Should().ThrowAsync<ChunkFrameException>()).Which.Error.Should().Be(ChunkTransferError.TooLarge);
        sut.BufferedBytes.Should().Be(8);
    }

    [Fact]
    public async Task A_hundred_thousand_random_frames_only_ever_raise_the_documented_exception()
    {
        var random = new Random(12345);
        await using var sut = new ChunkReassembler(new ChunkedTransferOptions { MaxBufferedBytes = 1 << 20, MaxTransferSize = 1 << 20, MaxConcurrentIncomingTransfers = 4 });
        var ids = Enumerable.Range(0, 8).Select(_ => Guid.NewGuid()).ToArray();
        var rejected = 0;
        for (var i = 0; i < 100_000; i++)
        {
            var frame = RandomFrame(random, ids);
            try
            {
                var done = await sut.ProcessAsync(frame, (_, _) => default);
                if (done is not null)
                {
                    await done.DisposeAsync();
                }
            }
            catch (ChunkFrameException ex)
            {
                rejected++;
                ex.Error.Should().BeOneOf(Enum.GetValues(typeof(ChunkTransferError)).Cast<ChunkTransferError>());
                ex.Message.Should().NotContain("Arithmetic").And.NotContain("Index was outside");
            }

            try
            {
                ChunkFrameCodec.Decode(frame, out _);
            }
            catch (ChunkFrameException)
            {
            }

            sut.BufferedBytes.Should().BeInRange(0, 1 << 20);
            sut.ActiveTransfers.Should().BeLessThanOrEqualTo(4);
        }

        rejected.Should().BeGreaterThan(50_000, "random input is mostly invalid");
    }

    private static byte[] RandomFrame(Random random, Guid[] ids)
    {
        var shape = random.Next(5);
        if (shape == 4)
        {
            return RandomMetadataFrame(random, ids);
        }

        if (shape == 0)
        {
            var junk = new byte[random.Next(0, 200)];
            random.NextBytes(junk);
            return junk;
        }

        // Plausible headers with random fields, so the deeper checks are exercised too.
        var payload = new byte[random.Next(0, 64)];
        random.NextBytes(payload);
        var total = shape == 1 ? (uint)random.Next(1, 5) : (uint)random.NextInt64(0, uint.MaxValue);
        var frame = new byte[ChunkFrameCodec.HeaderSize + payload.Length];
        ChunkFrameCodec.Encode(
            new ChunkFrameHeader((ChunkFrameKind)random.Next(0, 6), ids[random.Next(ids.Length)], (uint)random.Next(0, 5), total, (uint)random.Next(0, 70), random.Next(8) == 0),
            payload,
            frame);
        if (shape == 3)
        {
            frame[random.Next(frame.Length)] ^= (byte)random.Next(1, 256);
        }

        return frame;
    }

    /// <summary>Chunk 0 with a real metadata block, then one byte of the block or its length prefix mutated.</summary>
    private static byte[] RandomMetadataFrame(Random random, Guid[] ids)
    {
        var block = new ChunkMetadata { Name = "n\u00e9", ContentType = "t", Headers = new Dictionary<string, string> { ["k"] = "v" } }.Encode();
        var data = new byte[random.Next(0, 8)];
        var payload = new byte[4 + block.Length + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)block.Length);
        block.CopyTo(payload, 4);
        payload[random.Next(payload.Length)] ^= (byte)random.Next(1, 256);
        var frame = new byte[ChunkFrameCodec.HeaderSize + payload.Length];
        ChunkFrameCodec.Encode(new ChunkFrameHeader(ChunkFrameKind.Data, ids[random.Next(ids.Length)], 0, 1, 16, hasMetadata: true), payload, frame);
        return frame;
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
