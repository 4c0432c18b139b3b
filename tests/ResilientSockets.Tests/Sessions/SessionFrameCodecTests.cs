using FluentAssertions;
using Xunit;

namespace ResilientSockets.Tests.Sessions;

/// <summary>The session wire format, byte by byte as the README tables give it, and every rule a frame alone can break.</summary>
public sealed class SessionFrameCodecTests
{
    private static readonly Guid Id = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");

    [Fact]
    public void Hello_has_the_documented_layout()
    {
        var frame = new byte[SessionFrameCodec.HelloSize];
        SessionFrameCodec.WriteHello(frame, Id, 0x0102030405060708);

        Convert.ToHexString(frame).Should().Be("01010000" + "00112233445566778899AABBCCDDEEFF" + "0102030405060708");
        var decoded = SessionFrameCodec.Decode(frame, frame.Length);
        decoded.Kind.Should().Be(SessionFrameKind.Hello);
        decoded.SessionId.Should().Be(Id);
        decoded.Value.Should().Be(0x0102030405060708UL);
    }

    [Fact]
    public void Welcome_has_the_documented_layout()
    {
        var frame = new byte[SessionFrameCodec.WelcomeSize];
        SessionFrameCodec.WriteWelcome(frame, Id, resumed: true, lost: false, lastReceived: 7, resumeWindowMilliseconds: 120_000);

        Convert.ToHexString(frame).Should().Be("02010100" + "00112233445566778899AABBCCDDEEFF" + "0000000000000007" + "0001D4C0");
        var decoded = SessionFrameCodec.Decode(frame, frame.Length);
        decoded.Resumed.Should().BeTrue();
        decoded.Lost.Should().BeFalse();
        decoded.Value.Should().Be(7);
        decoded.ResumeWindowMilliseconds.Should().Be(120_000u);
    }

    [Theory]
    [InlineData(true, "0301000000000000002A")]
    [InlineData(false, "0300000000000000002A")]
    public void Data_header_carries_the_text_flag_and_the_sequence(bool isText, string hex)
    {
        var frame = new byte[SessionFrameCodec.HeaderSize + 3];
        SessionFrameCodec.WriteDataHeader(frame, 42, isText);
        "abc"u8.CopyTo(frame.AsSpan(SessionFrameCodec.HeaderSize));

        Convert.ToHexString(frame.AsSpan(0, SessionFrameCodec.HeaderSize)).Should().Be(hex);
        var decoded = SessionFrameCodec.Decode(frame, frame.Length);
        decoded.Kind.Should().Be(SessionFrameKind.Data);
        decoded.IsText.Should().Be(isText);
        decoded.Value.Should().Be(42);
    }

    [Theory]
    [InlineData(SessionFrameKind.Ack, "040000000000000000FF")]
    [InlineData(SessionFrameKind.Ping, "050000000000000000FF")]
    [InlineData(SessionFrameKind.Pong, "060000000000000000FF")]
    public void Control_frames_are_ten_bytes(SessionFrameKind kind, string hex)
    {
        var frame = new byte[SessionFrameCodec.HeaderSize];
        SessionFrameCodec.WriteControl(frame, kind, 255);

        Convert.ToHexString(frame).Should().Be(hex);
        SessionFrameCodec.Decode(frame, frame.Length).Value.Should().Be(255);
    }

    [Theory]
    [InlineData("", "Empty")]
    [InlineData("07000000000000000001", "Unknown session frame kind 0x07")]
    [InlineData("0400000000000000000100", "exactly 10")]
    [InlineData("04010000000000000001", "reserved byte 1")]
    [InlineData("0302000000000000000161", "only bit 0")]
    [InlineData("03000000000000000000", "sequence 0")]
    [InlineData("030000", "header alone is 10")]
    [InlineData("010100000000000000000000000000000000000000000000000000", "exactly 28")]
    public void Malformed_frames_are_refused_with_the_rule_named(string hex, string rule)
    {
        var bytes = Convert.FromHexString(hex.Length % 2 == 0 ? hex : hex + "0");

        var act = () => SessionFrameCodec.Decode(bytes, bytes.Length);

        act.Should().Throw<SessionProtocolException>().Which.Message.Should().Contain(rule);
    }

    [Fact]
    public void Hello_with_another_version_or_a_last_received_for_a_new_session_is_refused()
    {
        var frame = new byte[SessionFrameCodec.HelloSize];
        SessionFrameCodec.WriteHello(frame, Id, 0);
        frame[1] = 2;
        var version = () => SessionFrameCodec.Decode(frame, frame.Length);
        version.Should().Throw<SessionProtocolException>().Which.Message.Should().Contain("version 2");

        SessionFrameCodec.WriteHello(frame, Guid.Empty, 0);
        frame[27] = 1;
        var lastReceived = () => SessionFrameCodec.Decode(frame, frame.Length);
        lastReceived.Should().Throw<SessionProtocolException>().Which.Message.Should().Contain("must be 0");
    }

    [Fact]
    public void Welcome_that_both_resumes_and_reports_lost_or_names_no_session_is_refused()
    {
        var frame = new byte[SessionFrameCodec.WelcomeSize];
        SessionFrameCodec.WriteWelcome(frame, Id, resumed: false, lost: true, 0, 0);
        frame[2] = 0x03;
        var both = () => SessionFrameCodec.Decode(frame, frame.Length);
        both.Should().Throw<SessionProtocolException>().Which.Message.Should().Contain("exclude each other");

        SessionFrameCodec.WriteWelcome(frame, Guid.Empty, resumed: false, lost: false, 0, 0);
        var noId = () => SessionFrameCodec.Decode(frame, frame.Length);
        noId.Should().Throw<SessionProtocolException>().Which.Message.Should().Contain("zero session id");
    }

    [Fact]
    public void Random_and_mutated_frames_only_ever_raise_SessionProtocolException()
    {
        var random = new Random(20261129);
        var valid = new List<byte[]>();
        var hello = new byte[SessionFrameCodec.HelloSize];
        SessionFrameCodec.WriteHello(hello, Id, 3);
        valid.Add(hello);
        var welcome = new byte[SessionFrameCodec.WelcomeSize];
        SessionFrameCodec.WriteWelcome(welcome, Id, true, false, 3, 1000);
        valid.Add(welcome);
        var data = new byte[SessionFrameCodec.HeaderSize + 16];
        SessionFrameCodec.WriteDataHeader(data, 9, true);
        valid.Add(data);
        var ack = new byte[SessionFrameCodec.HeaderSize];
        SessionFrameCodec.WriteControl(ack, SessionFrameKind.Ack, 9);
        valid.Add(ack);

        var decoded = 0;
        for (var i = 0; i < 100_000; i++)
        {
            byte[] frame;
            if (i % 2 == 0)
            {
                frame = new byte[random.Next(0, 48)];
                random.NextBytes(frame);
            }
            else
            {
                frame = (byte[])valid[random.Next(valid.Count)].Clone();
                for (var flips = random.Next(1, 4); flips > 0 && frame.Length > 0; flips--)
                {
                    frame[random.Next(frame.Length)] ^= (byte)random.Next(1, 256);
                }

                if (random.Next(4) == 0)
                {
                    Array.Resize(ref frame, Math.Max(0, frame.Length + random.Next(-3, 4)));
                }
            }

            try
            {
                var result = SessionFrameCodec.Decode(frame, frame.Length);
                result.Kind.Should().BeOneOf(Enum.GetValues<SessionFrameKind>());
                decoded++;
            }
            catch (SessionProtocolException)
            {
            }
        }

        decoded.Should().BeGreaterThan(0, "some mutations stay valid frames");
    }
}
