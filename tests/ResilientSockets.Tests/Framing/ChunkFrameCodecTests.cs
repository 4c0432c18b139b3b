using FluentAssertions;
using Xunit;

namespace ResilientSockets.Tests.Framing;

public sealed class ChunkFrameCodecTests
{
    [Fact]
    public void Crc32_matches_the_standard_check_value()
    {
        ResilientSockets.Framing.Crc32.Compute("123456789"u8).Should().Be(0xCBF43926u);
        ResilientSockets.Framing.Crc32.Compute(ReadOnlySpan<byte>.Empty).Should().Be(0u);
        var data = FrameTestHelpers.Data(1000);
        ResilientSockets.Framing.Crc32.Compute(data).Should().Be(NaiveCrc(data), "slicing-by-8 agrees with the bytewise definition");
    }

    [Fact]
    public void The_header_layout_is_exactly_as_documented()
    {
        var id = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
        var frame = new byte[ChunkFrameCodec.HeaderSize + 3];

        ChunkFrameCodec.Encode(new ChunkFrameHeader(ChunkFrameKind.Data, id, 2, 5, 3), [0x61, 0x62, 0x63], frame);

        Convert.ToHexString(frame).Should().Be(
            "5253" + "01" + "01" + "00" + "000000"
            + "00112233445566778899AABBCCDDEEFF"
            + "00000002" + "00000005" + "00000003" + "00000003"
            + "352441C2" // CRC-32 of "abc"
            + "616263");
    }

    [Fact]
    public void Decode_returns_what_Encode_wrote()
    {
        var id = Guid.NewGuid();
        var payload = FrameTestHelpers.Data(100);
        var frame = new byte[ChunkFrameCodec.HeaderSize + payload.Length];
        ChunkFrameCodec.Encode(new ChunkFrameHeader(ChunkFrameKind.Data, id, 7, 9, 100), payload, frame);

        var header = ChunkFrameCodec.Decode(frame, out var decoded);

        header.Kind.Should().Be(ChunkFrameKind.Data);
        header.TransferId.Should().Be(id);
        header.ChunkId.Should().Be(7);
        header.TotalChunks.Should().Be(9);
        header.ChunkSize.Should().Be(100);
        header.PayloadLength.Should().Be(100);
        decoded.ToArray().Should().Equal(payload);
    }

    public static TheoryData<string, byte[], ChunkTransferError, bool> Malformed()
    {
        var good = new byte[ChunkFrameCodec.HeaderSize + 4];
        ChunkFrameCodec.Encode(new ChunkFrameHeader(ChunkFrameKind.Data, Guid.NewGuid(), 0, 1, 4), [1, 2, 3, 4], good);
        byte[] With(Action<byte[]> change)
        {
            var copy = (byte[])good.Clone();
            change(copy);
            return copy;
        }

        byte[] Control(ChunkFrameKind kind, byte[] payload)
        {
            var frame = new byte[ChunkFrameCodec.HeaderSize + payload.Length];
            ChunkFrameCodec.Encode(new ChunkFrameHeader(kind, Guid.NewGuid(), 0, 0, 0), payload, frame);
            return frame;
        }

        // The last column: whether the transfer id is reported (so the sender can be told).
        return new TheoryData<string, byte[], ChunkTransferError, bool>
        {
            { "too short to carry an id", good.AsSpan(0, 10).ToArray(), ChunkTransferError.InvalidFrame, false },
            { "shorter than a header but with an id", good.AsSpan(0, 30).ToArray(), ChunkTransferError.InvalidFrame, true },
            { "bad magic", With(f => f[0] = 0), ChunkTransferError.InvalidFrame, false },
            { "unknown version", With(f => f[2] = 9), ChunkTransferError.InvalidFrame, true },
            { "unknown kind", With(f => f[3] = 77), ChunkTransferError.InvalidFrame, true },
            { "reserved bits", With(f => f[6] = 1), ChunkTransferError.InvalidFrame, true },
            { "unknown flag", With(f => f[4] = 0x80), ChunkTransferError.InvalidFrame, true },
            { "length lies (longer)", With(f => f[39] = 5), ChunkTransferError.LengthMismatch, true },
            { "length lies (shorter)", With(f => f[39] = 3), ChunkTransferError.LengthMismatch, true },
            { "chunk_id >= total_chunks", With(f => f[27] = 1), ChunkTransferError.InvalidFrame, true },
            { "total_chunks = 0", With(f => f[31] = 0), ChunkTransferError.InvalidFrame, true },
            { "chunk size 0", With(f => f[35] = 0), ChunkTransferError.InvalidFrame, true },
            { "chunk size over 16 MiB", With(f => { f[32] = 0x01; f[33] = 0; f[34] = 0; f[35] = 1; }), ChunkTransferError.InvalidFrame, true },
            { "data longer than chunk_size", With(f => f[35] = 3), ChunkTransferError.LengthMismatch, true },
            { "crc mismatch", With(f => f[^1] ^= 0xFF), ChunkTransferError.CrcMismatch, true },
            { "metadata on a later chunk", With(f => { f[4] = 1; f[27] = 1; f[31] = 2; }), ChunkTransferError.InvalidFrame, true },
            { "an ack with a payload", Control(ChunkFrameKind.Ack, [1]), ChunkTransferError.InvalidFrame, true },
            { "a cancel with a payload", Control(ChunkFrameKind.Cancel, [1]), ChunkTransferError.InvalidFrame, true },
            { "an error without a code", Control(ChunkFrameKind.Error, [1]), ChunkTransferError.InvalidFrame, true },
            { "an error over 1024 bytes", Control(ChunkFrameKind.Error, new byte[1025]), ChunkTransferError.InvalidFrame, true },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_frames_are_rejected_with_the_documented_code(string why, byte[] frame, ChunkTransferError expected, bool idReadable)
    {
        var act = () => ChunkFrameCodec.Decode(frame, out _);

        var error = act.Should().Throw<ChunkFrameException>(why).Which;
        error.Error.Should().Be(expected, why);
        error.TransferId.HasValue.Should().Be(idReadable, why);
    }

    [Theory]
    [InlineData(0u, 0u)]
    [InlineData(5u, 4096u)]
    [InlineData(uint.MaxValue, uint.MaxValue)]
    public void An_ack_is_valid_whatever_its_total_chunks_and_chunk_size_say(uint total, uint chunkSize)
    {
        var frame = new byte[ChunkFrameCodec.HeaderSize];
        ChunkFrameCodec.Encode(new ChunkFrameHeader(ChunkFrameKind.Ack, Guid.NewGuid(), 3, total, chunkSize), ReadOnlySpan<byte>.Empty, frame);

        var header = ChunkFrameCodec.Decode(frame, out _);

        header.Kind.Should().Be(ChunkFrameKind.Ack);
        header.ChunkId.Should().Be(3u, "only chunk_id means something in an Ack");
    }

    [Fact]
    public void An_error_reason_too_long_for_the_frame_is_cut_at_a_character_boundary()
    {
        var frame = new byte[ChunkFrameCodec.HeaderSize + ChunkFrameCodec.MaxErrorPayload];
        var reason = "x" + new string('é', 600); // 1 + 1200 UTF-8 bytes: the cut would fall inside an 'é'

        var length = ChunkFrameCodec.EncodeError(Guid.NewGuid(), ChunkTransferError.TooLarge, reason, frame);

        var header = ChunkFrameCodec.Decode(frame.AsSpan(0, length), out var payload);
        header.Kind.Should().Be(ChunkFrameKind.Error);
        payload.Length.Should().Be(ChunkFrameCodec.MaxErrorPayload - 1);
        var strict = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true);
        strict.GetString(payload.Slice(2).ToArray()).Should().Be("x" + new string('é', 510));
    }

    [Fact]
    public void Metadata_round_trips_through_chunk_zero()
    {
        var metadata = new ChunkMetadata { ContentType = "application/pdf", Name = "résumé.pdf", Headers = new Dictionary<string, string> { ["x-user"] = "42", ["empty"] = "" } };
        var block = metadata.Encode();

        var decoded = ChunkMetadata.Decode(block, Guid.Empty);

        decoded.ContentType.Should().Be("application/pdf");
        decoded.Name.Should().Be("résumé.pdf");
        decoded.Headers.Should().BeEquivalentTo(metadata.Headers);
        FluentActions.Invoking(() => ChunkMetadata.Decode(block.AsSpan(0, block.Length - 1), Guid.Empty)).Should().Throw<ChunkFrameException>();
    }

    [Fact]
    public void A_metadata_total_length_of_two_to_the_64_minus_one_is_too_large_and_says_so()
    {
        var block = new ChunkMetadata().Encode();
        block.AsSpan(0, 8).Fill(0xFF);

        var act = () => ChunkMetadata.Decode(block, Guid.Empty, maxTotalLength: 1 << 30);

        var error = act.Should().Throw<ChunkFrameException>().Which;
        error.Error.Should().Be(ChunkTransferError.TooLarge);
        error.Message.Should().Contain("total length 18446744073709551615 exceeds MaxTransferSize (1073741824 bytes)").And.NotContain("overflow");
    }

    [Theory]
    [InlineData("content type")]
    [InlineData("name")]
    [InlineData("header 0 key")]
    [InlineData("header 0 value")]
    public void Metadata_text_that_is_not_valid_utf8_is_rejected_naming_the_field(string field)
    {
        const string Marker = "\u00e9\u00e9";
        var metadata = field switch
        {
            "content type" => new ChunkMetadata { ContentType = Marker },
            "name" => new ChunkMetadata { Name = Marker },
            "header 0 key" => new ChunkMetadata { Headers = new Dictionary<string, string> { [Marker] = "v" } },
            _ => new ChunkMetadata { Headers = new Dictionary<string, string> { ["k"] = Marker } },
        };
        var block = metadata.Encode();
        var at = block.AsSpan().IndexOf("\u00e9\u00e9"u8);
        block[at + 1] = 0x41; // 0xC3 0x41: a lead byte without its continuation

        var act = () => ChunkMetadata.Decode(block, Guid.Empty);

        var error = act.Should().Throw<ChunkFrameException>().Which;
        error.Error.Should().Be(ChunkTransferError.InvalidFrame);
        error.Message.Should().Contain($"the {field}").And.Contain("not valid UTF-8");
    }

    private static uint NaiveCrc(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }
}
