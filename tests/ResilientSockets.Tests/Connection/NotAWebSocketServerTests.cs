using FluentAssertions;
using ResilientSockets.Reconnect;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Connection;

/// <summary>A server that accepts the handshake and then does not speak WebSocket is a wrong address, not a flaky link.</summary>
public sealed class NotAWebSocketServerTests
{
    private const string Http400 = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-type: text/html\r\nContent-Length: 28\r\n\r\nUnsupported protocol version";

    [Fact]
    public async Task An_http_response_written_after_the_101_faults_the_client_after_one_connection()
    {
        await using var peer = new RawHandshakePeer(Http400);
        await using var client = Sut.Create(peer.Uri, o =>
        {
            o.Reconnect.Delay = TimeSpan.FromMilliseconds(100);
            o.Reconnect.MaxDelay = TimeSpan.FromMilliseconds(200);
        });
        var states = new StateRecorder(client);
        await using var reader = client.ReadAllAsync().GetAsyncEnumerator();
        var read = reader.MoveNextAsync().AsTask();

        await client.StartAsync().WaitAsync(TestTimeouts.Signal);
        var faulted = await states.WaitForAsync(ConnectionState.Faulted);

        var cause = faulted.Cause.Should().BeOfType<WebSocketConnectException>().Subject;
        cause.IsTransient.Should().BeFalse();
        cause.Message.Should().Contain("not WebSocket frames").And.Contain("HTTP/1.1 400").And.Contain("reconnecting cannot help");
        cause.InnerException.Should().BeOfType<System.Net.WebSockets.WebSocketException>();
        states.States.Should().Equal(ConnectionState.Connecting, ConnectionState.Open, ConnectionState.Faulted);
        peer.HandshakeCount.Should().Be(1);
        var readError = (await read.Invoking(t => t.WaitAsync(TestTimeouts.Signal)).Should().ThrowAsync<ResilientWebSocketException>()).Which;
        readError.Message.Should().StartWith("The client stopped: ").And.NotContain("gave up reconnecting");
    }

    [Fact]
    public async Task A_plain_kestrel_400_keeps_the_proxy_advice_and_is_not_taken_for_engine_io()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.RejectNextHandshakes(1, 400);
        await using var client = Sut.Create(server.GetUri("/echo"));

        var error = (await client.Invoking(c => c.StartAsync()).Should().ThrowAsync<WebSocketConnectException>()).Which;

        error.StatusCode.Should().Be(400);
        error.Message.Should().Contain("'Upgrade'").And.Contain("reverse proxy").And.NotContain("Engine.IO");
    }

    [Fact]
    public void Engine_io_rejections_are_told_apart_from_http_servers_by_their_headers()
    {
        static Dictionary<string, IEnumerable<string>> Headers(params (string Name, string Value)[] headers)
            => headers.ToDictionary(h => h.Name, h => (IEnumerable<string>)[h.Value]);

        EngineIoDetector.IsEngineIoRejection(Headers(("Connection", "close"))).Should().BeTrue();
        EngineIoDetector.IsEngineIoRejection(Headers(("Connection", "close"), ("Date", "Sun, 29 Nov 2026 10:00:00 GMT"))).Should().BeFalse();
        EngineIoDetector.IsEngineIoRejection(Headers(("Connection", "close"), ("Server", "nginx"))).Should().BeFalse();
        EngineIoDetector.IsEngineIoRejection(Headers(("Connection", "keep-alive"))).Should().BeFalse();
        EngineIoDetector.IsEngineIoRejection(null).Should().BeFalse();
    }

    [Theory]
    [InlineData("ws://h/socket.io/?EIO=4&transport=websocket", true)]
    [InlineData("ws://h/socket.io/", true)]
    [InlineData("ws://h/rt/?EIO=4&transport=websocket", true)]
    [InlineData("wss://h/api/Socket.IO", true)]
    [InlineData("ws://h/rt/", false)]
    [InlineData("ws://h/socket.iox/feed", false)]
    [InlineData("ws://h/feed?video=1&NEIO=2", false)]
    public void Socket_io_addresses_are_recognised_by_path_segment_or_EIO_parameter(string address, bool expected)
        => UriRules.LooksLikeSocketIo(new Uri(address)).Should().Be(expected);
}
