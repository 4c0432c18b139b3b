using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Transport;

/// <summary>permessage-deflate negotiated with Kestrel; the bytes on the wire are counted by a relay.</summary>
public sealed class CompressionTests
{
    private static readonly string Compressible = string.Concat(Enumerable.Repeat("{\"price\":101.25,\"symbol\":\"ACME\"},", 4000));

    private static async Task<(long WireBytes, IReadOnlyDictionary<string, string> Headers, string Echo)> SendThroughRelayAsync(bool serverCompresses, bool clientCompresses)
    {
        await using var server = await LoopbackWebSocketServer.StartAsync(new LoopbackServerOptions { EnableCompression = serverCompresses });
        await using var relay = new CountingRelay(server.Port);
        await using var client = Sut.Create(relay.Wrap(server.GetUri()), o =>
        {
            o.Lifecycle.Connectivity = null;
            o.Receiving.MaxMessageSize = 1024 * 1024;
            if (clientCompresses)
            {
                o.Transport.Compression = new PerMessageDeflateOptions();
            }
        });
        await client.StartAsync().WaitAsync(TestTimeouts.Signal);
        using var reader = client.CreateReader();
        var before = relay.ClientBytes;

        await client.SendTextAsync(Compressible).AsTask().WaitAsync(TestTimeouts.Signal);
        (await reader.WaitToReadAsync().AsTask().WaitAsync(TestTimeouts.Signal)).Should().BeTrue();
        reader.TryRead(out var echo).Should().BeTrue();

        return (relay.ClientBytes - before, server.Connections.Single().RequestHeaders, echo.Text!);
    }

    [Fact]
    public async Task With_compression_negotiated_a_repetitive_message_crosses_the_wire_compressed_and_arrives_whole()
    {
        var (wire, headers, echo) = await SendThroughRelayAsync(serverCompresses: true, clientCompresses: true);

        headers.Should().ContainKey("Sec-WebSocket-Extensions").WhoseValue.Should().Contain("permessage-deflate");
        echo.Should().Be(Compressible);
        wire.Should().BeLessThan(Compressible.Length / 20, $"{Compressible.Length} bytes of repeated JSON deflate to a few KiB");
    }

    [Fact]
    public async Task Without_compression_the_same_message_crosses_the_wire_at_full_size()
    {
        var (wire, headers, echo) = await SendThroughRelayAsync(serverCompresses: true, clientCompresses: false);

        headers.Should().NotContainKey("Sec-WebSocket-Extensions");
        echo.Should().Be(Compressible);
        wire.Should().BeGreaterThanOrEqualTo(Compressible.Length);
    }

    [Fact]
    public async Task A_server_that_declines_compression_is_still_reached_uncompressed()
    {
        var (wire, headers, echo) = await SendThroughRelayAsync(serverCompresses: false, clientCompresses: true);

        headers["Sec-WebSocket-Extensions"].Should().Contain("permessage-deflate", "the client offered it");
        echo.Should().Be(Compressible);
        wire.Should().BeGreaterThanOrEqualTo(Compressible.Length, "the server did not accept the offer");
    }
}
