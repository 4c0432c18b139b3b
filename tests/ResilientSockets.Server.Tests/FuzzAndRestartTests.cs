using System.Net.WebSockets;

namespace ResilientSockets.Server.Tests;

public sealed class FuzzAndRestartTests
{
    [Fact]
    public async Task Random_and_mutated_frames_only_ever_get_clean_closes_and_the_server_keeps_serving()
    {
        await using var server = await SessionServer.StartAsync(SessionServer.Echo, o =>
        {
            o.MaxMessageSize = 256;
            o.AckEvery = 1;
        });
        var random = new Random(1234);
        var valid = ValidFrames();
        var closes = 0;
        var allowed = new[] { WebSocketCloseStatus.ProtocolError, WebSocketCloseStatus.MessageTooBig };

        for (var connection = 0; connection < 40; connection++)
        {
            var (client, _) = await RawSessionClient.StartAsync(server.Uri);
            await using var _ = client;
            var closed = false;
            for (var i = 0; i < 5 && !closed; i++)
            {
                var frame = random.Next(3) switch
                {
                    0 => RandomBytes(random, random.Next(0, 300)),
                    1 => Mutate(random, valid[random.Next(valid.Length)]),
                    _ => valid[random.Next(valid.Length)],
                };
                await client.SendRawAsync(frame);

                // A PING after each frame: either the session still answers, or the server closed cleanly.
                await client.SendControlAsync(SessionFrameKind.Ping, (ulong)i);
                while (true)
                {
                    // Never an abort: the server reads on until our close answers its own.
                    var answer = await client.ReceiveAsync();
                    if (answer.IsClose)
                    {
                        allowed.Should().Contain(answer.CloseStatus!.Value, "only protocol errors and oversize close ({0})", answer.CloseDescription);
                        closed = true;
                        closes++;
                        break;
                    }

                    if (answer.Header.Kind == SessionFrameKind.Pong && answer.Header.Value == (ulong)i)
                    {
                        break;
                    }
                }
            }

            if (!closed)
            {
                client.Abort();
            }
        }

        closes.Should().BeGreaterThan(10, "the fuzzer should break rules often");

        // Sessions that were closed are gone; the aborted ones wait for the resume window, then go too.
        server.Time.Advance(TimeSpan.FromMinutes(3));
        await Eventually.TrueAsync(() => server.Store.Count == 0, "every fuzzed session ended");
        var (fresh, welcome) = await RawSessionClient.StartAsync(server.Uri);
        await using var __ = fresh;
        await fresh.SendDataAsync(1, "still fine");
        (await fresh.ReceiveUntilAsync(SessionFrameKind.Data)).Text.Should().Be("still fine");
    }

    [Fact]
    public async Task After_a_server_restart_the_old_session_id_gets_lost_and_a_new_session_works()
    {
        var first = await SessionServer.StartAsync(SessionServer.Echo, o => o.AckEvery = 1);
        var port = first.Port;
        var (client, welcome) = await RawSessionClient.StartAsync(first.Uri);
        await client.SendDataAsync(1, "before");
        (await client.ReceiveUntilAsync(SessionFrameKind.Data)).Text.Should().Be("before");

        var stopping = client.ReceiveCloseAsync();
        await first.DisposeAsync();
        (await stopping).CloseStatus.Should().Be(WebSocketCloseStatus.EndpointUnavailable, "a stopping server closes its sessions with 1001");
        await client.DisposeAsync();

        await using var second = await SessionServer.StartAsync(SessionServer.Echo, port: port);
        var (again, answer) = await RawSessionClient.StartAsync(second.Uri, welcome.SessionId, lastReceived: 1);
        await using var _ = again;

        answer.Lost.Should().BeTrue();
        answer.SessionId.Should().NotBe(welcome.SessionId);
        await again.SendDataAsync(1, "after");
        (await again.ReceiveUntilAsync(SessionFrameKind.Data)).Text.Should().Be("after");
    }

    private static byte[][] ValidFrames()
    {
        var hello = new byte[SessionFrameCodec.HelloSize];
        SessionFrameCodec.WriteHello(hello, Guid.NewGuid(), 3);
        var data = new byte[SessionFrameCodec.HeaderSize + 4];
        SessionFrameCodec.WriteDataHeader(data, 1, isText: true);
        "abcd"u8.CopyTo(data.AsSpan(SessionFrameCodec.HeaderSize));
        var ack = new byte[SessionFrameCodec.HeaderSize];
        SessionFrameCodec.WriteControl(ack, SessionFrameKind.Ack, 0);
        var ping = new byte[SessionFrameCodec.HeaderSize];
        SessionFrameCodec.WriteControl(ping, SessionFrameKind.Ping, 42);
        return [hello, data, ack, ping];
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Mutate(Random random, byte[] frame)
    {
        var copy = (byte[])frame.Clone();
        switch (random.Next(3))
        {
            case 0:
                copy[random.Next(copy.Length)] = (byte)random.Next(256);
                return copy;
            case 1:
                return copy[..random.Next(copy.Length)];
            default:
                return [.. copy, .. RandomBytes(random, random.Next(1, 400))];
        }
    }
}
