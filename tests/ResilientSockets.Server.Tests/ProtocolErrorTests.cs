using System.Buffers.Binary;
using System.Net.WebSockets;

namespace ResilientSockets.Server.Tests;

public sealed class ProtocolErrorTests
{
    public static TheoryData<string, string> Violations() => new()
    {
        { "text message", "text" },
        { "unknown kind", "kind" },
        { "ack of the wrong size", "ACK frame of 11 bytes" },
        { "non-zero reserved byte", "reserved" },
        { "unknown data flag", "flags" },
        { "second hello", "second HELLO" },
        { "welcome from the client", "server only" },
        { "sequence gap", "gap" },
        { "ack above what was sent", "above the highest sequence sent" },
        { "data sequence 0", "sequence 0" },
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public async Task A_broken_rule_closes_with_1002_naming_it_and_ends_the_session(string violation, string reasonContains)
    {
        await using var server = await SessionServer.StartAsync(SessionServer.Echo);
        var (client, welcome) = await RawSessionClient.StartAsync(server.Uri);
        await using var _ = client;

        await SendViolationAsync(client, violation);

        var close = await client.ReceiveCloseAsync();
        close.CloseStatus.Should().Be(WebSocketCloseStatus.ProtocolError);
        close.CloseDescription.Should().ContainEquivalentOf(reasonContains);
        (await server.SingleSessionAsync()).EndReason.Should().Be(ResilientSessionEndReason.ProtocolError);
        var (again, answer) = await RawSessionClient.StartAsync(server.Uri, welcome.SessionId, 0);
        await using var __ = again;
        answer.Lost.Should().BeTrue("a protocol error ends the session");
    }

    [Theory]
    [InlineData("data first", "first frame must be HELLO")]
    [InlineData("version 2", "version 2")]
    [InlineData("hello too short", "HELLO frame of 27 bytes")]
    public async Task A_bad_first_frame_closes_with_1002_and_starts_no_session(string violation, string reasonContains)
    {
        await using var server = await SessionServer.StartAsync(SessionServer.Echo);
        await using var client = await RawSessionClient.ConnectAsync(server.Uri);
        var hello = new byte[SessionFrameCodec.HelloSize];
        SessionFrameCodec.WriteHello(hello, Guid.Empty, 0);
        var frame = violation switch
        {
            "data first" => Data(1),
            "version 2" => Mutate(hello, 1, 2),
            _ => hello[..27],
        };

        await client.SendRawAsync(frame);

        var close = await client.ReceiveCloseAsync();
        close.CloseStatus.Should().Be(WebSocketCloseStatus.ProtocolError);
        close.CloseDescription.Should().ContainEquivalentOf(reasonContains);
        server.Sessions.Should().BeEmpty();
        server.Store.Count.Should().Be(0);
    }

    [Fact]
    public async Task A_hello_whose_last_received_is_above_what_was_sent_closes_with_1002_and_ends_the_session()
    {
        await using var server = await SessionServer.StartAsync(SessionServer.Echo);
        var (first, welcome) = await RawSessionClient.StartAsync(server.Uri);
        first.Abort();
        await first.DisposeAsync();

        await using var client = await RawSessionClient.ConnectAsync(server.Uri);
        await client.SendHelloAsync(welcome.SessionId, lastReceived: 5);

        var close = await client.ReceiveCloseAsync();
        close.CloseStatus.Should().Be(WebSocketCloseStatus.ProtocolError);
        close.CloseDescription.Should().Contain("last received 5");
        (await server.SingleSessionAsync()).EndReason.Should().Be(ResilientSessionEndReason.ProtocolError);
    }

    [Fact]
    public async Task A_message_over_MaxMessageSize_closes_with_1009()
    {
        await using var server = await SessionServer.StartAsync(SessionServer.Echo, o => o.MaxMessageSize = 1000);
        var (client, _) = await RawSessionClient.StartAsync(server.Uri);
        await using var __ = client;

        await client.SendDataAsync(1, new string('x', 1001));

        var close = await client.ReceiveCloseAsync();
        close.CloseStatus.Should().Be(WebSocketCloseStatus.MessageTooBig);
        (await server.SingleSessionAsync()).EndReason.Should().Be(ResilientSessionEndReason.MessageTooLarge);
    }

    [Fact]
    public async Task A_new_session_beyond_MaxSessions_is_closed_with_1013()
    {
        await using var server = await SessionServer.StartAsync(SessionServer.Echo, o => o.MaxSessions = 1);
        var (first, _) = await RawSessionClient.StartAsync(server.Uri);
        await using var __ = first;
        await using var second = await RawSessionClient.ConnectAsync(server.Uri);

        await second.SendHelloAsync(Guid.Empty, 0);

        var close = await second.ReceiveCloseAsync();
        ((int?)close.CloseStatus).Should().Be(1013);
        server.Store.Count.Should().Be(1);
    }

    private static async Task SendViolationAsync(RawSessionClient client, string violation)
    {
        switch (violation)
        {
            case "text message":
                await client.SendRawAsync("hello"u8.ToArray(), WebSocketMessageType.Text);
                break;
            case "unknown kind":
                await client.SendRawAsync([0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
                break;
            case "ack of the wrong size":
                await client.SendRawAsync(new byte[11] { 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 });
                break;
            case "non-zero reserved byte":
                await client.SendRawAsync([0x05, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
                break;
            case "unknown data flag":
                await client.SendRawAsync(Mutate(Data(1), 1, 0x02));
                break;
            case "second hello":
                await client.SendHelloAsync(Guid.Empty, 0);
                break;
            case "welcome from the client":
                var welcome = new byte[SessionFrameCodec.WelcomeSize];
                SessionFrameCodec.WriteWelcome(welcome, Guid.NewGuid(), false, false, 0, 1000);
                await client.SendRawAsync(welcome);
                break;
            case "sequence gap":
                await client.SendDataAsync(2, "skips 1");
                break;
            case "ack above what was sent":
                await client.SendControlAsync(SessionFrameKind.Ack, 1);
                break;
            case "data sequence 0":
                var zero = Data(1);
                BinaryPrimitives.WriteUInt64BigEndian(zero.AsSpan(2), 0);
                await client.SendRawAsync(zero);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(violation), violation, null);
        }
    }

    private static byte[] Data(ulong sequence)
    {
        var frame = new byte[SessionFrameCodec.HeaderSize + 1];
        SessionFrameCodec.WriteDataHeader(frame, sequence, isText: false);
        return frame;
    }

    private static byte[] Mutate(byte[] frame, int offset, byte value)
    {
        var copy = (byte[])frame.Clone();
        copy[offset] = value;
        return copy;
    }
}
