using System.Text.Json;
using FluentAssertions;
using ResilientSockets.Tests.Framing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Interop;

/// <summary>Against an independent implementation: Node's `ws` server and a JavaScript implementation of the chunk wire format written from the README.</summary>
public sealed class NodeInteropTests(NodePeerFixture node) : IClassFixture<NodePeerFixture>
{
    private ResilientWebSocket Client(string path, Action<ResilientWebSocketOptions>? configure = null)
        => Sut.Create(node.Peer.GetUri(path), o =>
        {
            o.Framing = new ChunkedTransferOptions { ChunkSize = 16 * 1024 };
            configure?.Invoke(o);
        });

    private static async Task<JsonElement> NextJsonAsync(IAsyncEnumerator<WebSocketMessage> reader, string type)
    {
        while (await reader.MoveNextAsync().AsTask().WaitAsync(TestTimeouts.Signal))
        {
            var json = JsonDocument.Parse(reader.Current.Text).RootElement;
            if (json.GetProperty("type").GetString() == type)
            {
                return json;
            }
        }

        throw new InvalidOperationException("The stream ended before a " + type + " message.");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16 * 1024 + 1)]
    [InlineData(1024 * 1024 + 5)]
    public async Task A_transfer_from_dotnet_is_reassembled_by_the_node_peer_byte_for_byte(int size)
    {
        await using var client = Client("/transfers");
        await using var reader = client.ReadAllAsync().GetAsyncEnumerator();
        var report = NextJsonAsync(reader, "received");
        await client.StartAsync();
        var data = FrameTestHelpers.Data(size, seed: size);

        var id = await client.SendTransferAsync(data, new ChunkMetadata { Name = "from-dotnet.bin" }).WaitAsync(TestTimeouts.Signal);

        var json = await report;
        json.GetProperty("id").GetString().Should().Be(id.ToString());
        json.GetProperty("length").GetInt32().Should().Be(size);
        json.GetProperty("sha256").GetString().Should().Be(FrameTestHelpers.Sha256(data));
        json.GetProperty("name").GetString().Should().Be("from-dotnet.bin");
    }

    [Fact]
    public async Task A_transfer_from_the_node_peer_is_reassembled_by_dotnet_byte_for_byte()
    {
        await using var client = Client("/transfers");
        await using var reader = client.ReadAllAsync().GetAsyncEnumerator();
        await using var transfers = client.ReadTransfersAsync().GetAsyncEnumerator();
        var sent = NextJsonAsync(reader, "sent");
        var incoming = transfers.MoveNextAsync().AsTask();
        await client.StartAsync();

        await client.SendTextAsync("{\"type\":\"send\",\"length\":300000,\"chunkSize\":20000}");

        (await incoming.WaitAsync(TestTimeouts.Signal)).Should().BeTrue();
        await using var transfer = transfers.Current;
        var json = await sent;
        transfer.Id.ToString().Should().Be(json.GetProperty("id").GetString());
        transfer.Metadata!.Name.Should().Be("from-node.bin");
        transfer.Length.Should().Be(300000);
        (await FrameTestHelpers.Sha256Async(transfer.Content)).Should().Be(json.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Acks_from_node_with_zero_total_chunks_and_chunk_size_complete_the_transfer()
    {
        await using var client = Client("/transfers?ack=zero");
        await using var reader = client.ReadAllAsync().GetAsyncEnumerator();
        var report = NextJsonAsync(reader, "received");
        await client.StartAsync();
        var data = FrameTestHelpers.Data(100_000, seed: 11);

        var id = await client.SendTransferAsync(data).WaitAsync(TestTimeouts.Signal);

        (await report).GetProperty("id").GetString().Should().Be(id.ToString());
    }

    [Theory]
    [InlineData("beyond")]
    [InlineData("bad-version")]
    public async Task A_nonsense_ack_from_node_fails_the_transfer_and_node_receives_error_1(string mode)
    {
        await using var client = Client($"/transfers?ack={mode}");
        await using var reader = client.ReadAllAsync().GetAsyncEnumerator();
        var told = NextJsonAsync(reader, "error-received");
        await client.StartAsync();

        var act = () => client.SendTransferAsync(FrameTestHelpers.Data(100_000)).WaitAsync(TestTimeouts.Signal);

        var error = (await act.Should().ThrowAsync<ChunkFrameException>()).Which;
        error.Error.Should().Be(ChunkTransferError.InvalidFrame);
        var json = await told;
        json.GetProperty("id").GetString().Should().Be(error.TransferId.ToString());
        json.GetProperty("code").GetInt32().Should().Be((int)ChunkTransferError.InvalidFrame);
        client.State.Should().Be(ConnectionState.Open);
    }

    [Theory]
    [InlineData("version", ChunkTransferError.InvalidFrame)]
    [InlineData("reserved", ChunkTransferError.InvalidFrame)]
    [InlineData("flags", ChunkTransferError.InvalidFrame)]
    [InlineData("kind", ChunkTransferError.InvalidFrame)]
    [InlineData("crc", ChunkTransferError.CrcMismatch)]
    [InlineData("chunk-size-zero", ChunkTransferError.InvalidFrame)]
    [InlineData("chunk-size-over-16mib", ChunkTransferError.InvalidFrame)]
    [InlineData("last-chunk-too-long", ChunkTransferError.LengthMismatch)]
    [InlineData("metadata-over-64kib", ChunkTransferError.InvalidFrame)]
    [InlineData("bad-utf8-name", ChunkTransferError.InvalidFrame)]
    [InlineData("huge-total-length", ChunkTransferError.TooLarge)]
    [InlineData("oversized", ChunkTransferError.TooLarge)]
    [InlineData("stall", ChunkTransferError.TimedOut)]
    public async Task A_broken_frame_from_node_is_answered_with_the_documented_error_code(string what, ChunkTransferError expected)
    {
        // The oversized chunk (1 MiB) is over this client's message limit: it must be read through and refused, not
        // close the connection with 1009 and reconnect into it again.
        await using var client = Client("/transfers", o =>
        {
            o.Receiving.MaxMessageSize = 256 * 1024;
            o.Framing!.IncompleteTransferTimeout = TimeSpan.FromMilliseconds(300);
        });
        var states = new StateRecorder(client);
        await using var reader = client.ReadAllAsync().GetAsyncEnumerator();
        var probed = NextJsonAsync(reader, "probed");
        await client.StartAsync();

        await client.SendTextAsync($"{{\"type\":\"probe\",\"what\":\"{what}\",\"size\":{1024 * 1024}}}");

        var id = (await probed).GetProperty("id").GetString();
        var json = await NextJsonAsync(reader, "error-received");
        json.GetProperty("id").GetString().Should().Be(id);
        json.GetProperty("what").GetString().Should().Be(what);
        json.GetProperty("code").GetInt32().Should().Be((int)expected, json.GetProperty("reason").GetString());
        states.States.Should().NotContain(ConnectionState.Reconnecting);
    }

    [Fact]
    public async Task Echo_works_against_the_node_peer()
    {
        await using var client = Client("/echo");
        await using var reader = client.ReadAllAsync().GetAsyncEnumerator();
        var first = reader.MoveNextAsync().AsTask();
        await client.StartAsync();

        await client.SendTextAsync("hello node");

        (await first.WaitAsync(TestTimeouts.Signal)).Should().BeTrue();
        reader.Current.Text.Should().Be("hello node");
    }

    [Fact]
    public async Task The_client_reconnects_when_the_node_peer_drops_it_and_loses_nothing_it_was_not_told_about()
    {
        await using var client = Client("/drop-after?n=5");
        var states = new StateRecorder(client);
        var echoed = new List<string>();
        client.MessageReceived += (m, _) => { lock (echoed) { echoed.Add(m.Text); } return ValueTask.CompletedTask; };
        await client.StartAsync();

        for (var i = 0; i < 20; i++)
        {
            await client.SendTextAsync($"m{i}");
        }

        await states.WaitForAsync(ConnectionState.Reconnecting);
        await states.WaitForAsync(ConnectionState.Open, 2);
        client.State.Should().BeOneOf(ConnectionState.Open, ConnectionState.Reconnecting, ConnectionState.Connecting);

        // Every echo of the first link may be lost with it (the peer terminates right after echoing), and everything may
        // have been written before the drop: keep sending until an echo arrives, so the checks below have something to see.
        int Echoes()
        {
            lock (echoed)
            {
                return echoed.Count;
            }
        }

        for (var next = 20; next < 40 && Echoes() == 0; next++)
        {
            await client.SendTextAsync($"m{next}");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(2);
            while (DateTime.UtcNow < deadline && Echoes() == 0)
            {
                await Task.Delay(10);
            }
        }

        lock (echoed)
        {
            var numbers = echoed.Select(s => int.Parse(s.Substring(1), System.Globalization.CultureInfo.InvariantCulture)).ToList();
            numbers.Should().NotBeEmpty().And.OnlyHaveUniqueItems().And.BeInAscendingOrder("FIFO holds across the reconnect and nothing is sent twice");
        }
    }

    [Fact]
    public async Task Messages_queued_while_the_node_peer_is_down_are_flushed_in_order_when_it_returns()
    {
        var peer = await NodePeer.StartAsync();
        var port = peer.Port;
        await using var client = Sut.Create(peer.GetUri("/echo"), o => o.Reconnect.Delay = TimeSpan.FromMilliseconds(100));
        var states = new StateRecorder(client);
        var echoed = new List<string>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.MessageReceived += (m, _) => { lock (echoed) { echoed.Add(m.Text); if (echoed.Count == 5) { all.TrySetResult(); } } return ValueTask.CompletedTask; };
        await client.StartAsync();

        await peer.KillAsync();
        await states.WaitForAsync(ConnectionState.Reconnecting);
        var sends = Enumerable.Range(1, 5).Select(i => client.SendTextAsync($"queued-{i}").AsTask()).ToList();
        await using var revived = await NodePeer.StartAsync(port);
        await Task.WhenAll(sends).WaitAsync(TestTimeouts.Signal);

        await all.Task.WaitAsync(TestTimeouts.Signal);
        echoed.Should().Equal(Enumerable.Range(1, 5).Select(i => $"queued-{i}"));
        await peer.DisposeAsync();
    }
}
