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

    public static TheoryData<string, byte[]> Malformed()
    {
        var good = new byte[ChunkFrameCodec.HeaderSize + 4];
        ChunkFrameCodec.Encode(new ChunkFrameHeader(ChunkFrameKind.Data, Guid.NewGuid(), 0, 1, 4), [1, 2, 3, 4], good);
        byte[] With(Action<byte[]> change)
        {
            var copy = (byte[])good.Clone();
            change(copy);
            return copy;
        }

        return new TheoryData<string, byte[]>
        {
            { "too short", good.AsSpan(0, 10).ToArray() },
            { "bad magic", With(f => f[0] = 0) },
            { "unknown version", With(f => f[2] = 9) },
            { "unknown kind", With(f => f[3] = 77) },
            { "reserved bits", With(f => f[6] = 1) },
            { "unknown flag", With(f => f[4] = 0x80) },
            { "length lies (longer)", With(f => f[39] = 5) },
            { "length lies (shorter)", With(f => f[39] = 3) },
            { "chunk_id >= total_chunks", With(f => f[27] = 1) },
            { "total_chunks = 0", With(f => f[31] = 0) },
            { "chunk size 0", With(f => f[35] = 0) },
            { "crc mismatch", With(f => f[^1] ^= 0xFF) },
            { "metadata on a later chunk", With(f => { f[4] = 1; f[27] = 1; f[31] = 2; }) },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_frames_are_rejected_with_the_documented_exception(string why, byte[] frame)
    {
        var act = () => ChunkFrameCodec.Decode(frame, out _);

        act.Should().Throw<ChunkFrameException>(why);
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
