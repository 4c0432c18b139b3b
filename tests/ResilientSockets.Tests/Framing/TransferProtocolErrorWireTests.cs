using System.Buffers.Binary;
using System.Net.WebSockets;
using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Framing;

/// <summary>The client against a Kestrel peer that breaks the protocol: what the README's error rules promise on the wire.</summary>
public sealed class TransferProtocolErrorWireTests
{
    private const int Chunk = 16 * 1024;

    private static ResilientWebSocket Client(Uri uri, Action<ResilientWebSocketOptions>? configure = null)
        => Sut.Create(uri, o =>
        {
            o.Framing = new ChunkedTransferOptions { ChunkSize = Chunk, AckWindow = 2, AckTimeout = TimeSpan.FromMilliseconds(200) };
            configure?.Invoke(o);
        });

    /// <summary>A receiving route whose acks are rewritten by <paramref name="rewriteAck"/> before they go back.</summary>
    private static ServerRoute AckingRoute(ChunkReassembler reassembler, Func<ChunkFrameHeader, byte[]> rewriteAck) => new()
    {
        OnMessage = async (connection, message) =>
        {
            if (message.MessageType != WebSocketMessageType.Binary || message.Data.Span[3] != (byte)ChunkFrameKind.Data)
            {
                return;
            }

            try
            {
                var done = await reassembler.ProcessAsync(message.Data, async (reply, ct) =>
                {
                    var header = ChunkFrameCodec.Decode(reply.Span, out _);
                    var frame = header.Kind == ChunkFrameKind.Ack ? rewriteAck(header) : reply.ToArray();
                    await connection.SendAsync(frame, WebSocketMessageType.Binary, ct);
                });
                if (done is not null)
                {
                    await connection.SendTextAsync($"received {done.Id} {done.Length}");
                }
            }
            catch (ChunkFrameException)
            {
            }
        },
    };

    private static byte[] Ack(Guid id, uint chunkId, uint total, uint chunkSize, byte[]? payload = null)
    {
        payload ??= [];
        var frame = new byte[ChunkFrameCodec.HeaderSize + payload.Length];
        ChunkFrameCodec.Encode(new ChunkFrameHeader(ChunkFrameKind.Ack, id, chunkId, total, chunkSize), payload, frame);
        return frame;
    }

    private static (Guid Id, ChunkTransferError Code)? ErrorFrameIn(LoopbackWebSocketServer server)
    {
        foreach (var m in server.ReceivedMessages)
        {
            if (m.MessageType == WebSocketMessageType.Binary && ChunkFrameCodec.IsFrame(m.Data.Span) && m.Data.Span[3] == (byte)ChunkFrameKind.Error)
            {
                var header = ChunkFrameCodec.Decode(m.Data.Span, out var payload);
                return (header.TransferId, (ChunkTransferError)BinaryPrimitives.ReadUInt16BigEndian(payload));
            }
        }

        return null;
    }

    [Fact]
    public async Task Acks_with_zero_total_chunks_and_chunk_size_are_accepted_because_receivers_ignore_those_fields()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var reassembler = new ChunkReassembler();
        server.Map("/zero", AckingRoute(reassembler, h => Ack(h.TransferId, h.ChunkId, 0, 0)));
        await using var client = Client(server.GetUri("/zero"));
        await client.StartAsync();
        var data = FrameTestHelpers.Data(5 * Chunk + 3);

        var id = await client.SendTransferAsync(data).WaitAsync(TestTimeouts.Signal);

        await server.WaitUntilAsync(s => s.ReceivedMessages.Count > 0 && reassembler.ActiveTransfers == 0, TestTimeouts.Signal);
        ErrorFrameIn(server).Should().BeNull();
        id.Should().NotBeEmpty();
    }

    public static TheoryData<string, Func<ChunkFrameHeader, byte[]>, ChunkTransferError> NonsenseAcks() => new()
    {
        { "acknowledges chunks never sent", h => Ack(h.TransferId, h.TotalChunks + 5, h.TotalChunks, 0), ChunkTransferError.InvalidFrame },
        { "carries a payload", h => Ack(h.TransferId, h.ChunkId, h.TotalChunks, 0, [1, 2]), ChunkTransferError.InvalidFrame },
        { "has an unknown version", h => { var f = Ack(h.TransferId, h.ChunkId, h.TotalChunks, 0); f[2] = 2; return f; }, ChunkTransferError.InvalidFrame },
        { "has a wrong CRC", h => { var f = Ack(h.TransferId, h.ChunkId, h.TotalChunks, 0); f[43] = 1; return f; }, ChunkTransferError.CrcMismatch },
    };

    [Theory]
    [MemberData(nameof(NonsenseAcks))]
    public async Task An_ack_that_makes_no_sense_fails_the_transfer_at_once_and_the_receiver_is_told(string why, Func<ChunkFrameHeader, byte[]> ack, ChunkTransferError expected)
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var reassembler = new ChunkReassembler();
        server.Map("/nonsense", AckingRoute(reassembler, ack));
        await using var client = Client(server.GetUri("/nonsense"));
        await client.StartAsync();

        var act = () => client.SendTransferAsync(FrameTestHelpers.Data(10 * Chunk)).WaitAsync(TestTimeouts.Signal);

        var error = (await act.Should().ThrowAsync<ChunkFrameException>(why)).Which;
        error.Error.Should().Be(expected, why);
        await server.WaitUntilAsync(s => ErrorFrameIn(s) is not null, TestTimeouts.Signal);
        ErrorFrameIn(server)!.Value.Should().Be((error.TransferId!.Value, expected), "the peer learns why its transfer failed");
        client.State.Should().Be(ConnectionState.Open, "a failed transfer never fails the connection");
    }

    [Fact]
    public async Task A_chunk_frame_over_the_clients_message_limit_is_answered_with_too_large_and_the_connection_stays_open()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var big = Guid.NewGuid();
        var small = FrameTestHelpers.Data(1000, seed: 9);
        server.Map("/big", new ServerRoute
        {
            OnConnected = async c =>
            {
                var frames = await FrameTestHelpers.FramesAsync(FrameTestHelpers.Data(1024 * 1024), 1024 * 1024, id: big);
                await c.SendAsync(frames[0], WebSocketMessageType.Binary);
                foreach (var frame in await FrameTestHelpers.FramesAsync(small, Chunk))
                {
                    await c.SendAsync(frame, WebSocketMessageType.Binary);
                }
            },
        });
        await using var client = Client(server.GetUri("/big"), o => o.Receiving.MaxMessageSize = 256 * 1024);
        var states = new StateRecorder(client);
        await using var transfers = client.ReadTransfersAsync().GetAsyncEnumerator();
        var next = transfers.MoveNextAsync().AsTask();

        await client.StartAsync();

        (await next.WaitAsync(TestTimeouts.Signal)).Should().BeTrue("the next transfer on the same connection still arrives");
        await using var transfer = transfers.Current;
        transfer.Length.Should().Be(small.Length);
        await server.WaitUntilAsync(s => ErrorFrameIn(s) is not null, TestTimeouts.Signal);
        ErrorFrameIn(server)!.Value.Should().Be((big, ChunkTransferError.TooLarge));
        states.States.Should().NotContain(ConnectionState.Reconnecting, "framing limits govern frames, not a 1009 close and a reconnect loop");
        server.HandshakeCount.Should().Be(1);
    }
}
