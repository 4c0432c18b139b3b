using FluentAssertions;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Interop;

/// <summary>A plain WebSocket client pointed at a real Socket.IO 4.8 server is told, at once, that it needs a Socket.IO client.</summary>
public sealed class SocketIoDiagnosisTests(SocketIoPeerFixture socketIo) : IClassFixture<SocketIoPeerFixture>
{
    private static ResilientWebSocket Client(Uri uri)
        => Sut.Create(uri, o =>
        {
            o.Reconnect.Delay = TimeSpan.FromMilliseconds(100);
            o.Reconnect.MaxDelay = TimeSpan.FromMilliseconds(200);
        });

    [Fact]
    public async Task The_default_socket_io_url_is_refused_before_connecting_with_advice_to_use_a_socket_io_client()
    {
        var uri = socketIo.DefaultPath.GetUri("/socket.io/?EIO=4&transport=websocket");
        await using var client = Client(uri);
        var states = new StateRecorder(client);

        var error = (await client.Invoking(c => c.StartAsync()).Should().ThrowAsync<WebSocketConnectException>()).Which;

        error.IsTransient.Should().BeFalse();
        error.StatusCode.Should().BeNull("no request was sent");
        error.Message.Should().Contain("Socket.IO client").And.Contain("before connecting");
        socketIo.DefaultPath.Upgrades.Should().BeEmpty("the address alone decides; nothing reaches the server");
        await states.WaitForAsync(ConnectionState.Faulted);
        states.States.Should().Equal(ConnectionState.Connecting, ConnectionState.Faulted);
    }

    [Fact]
    public async Task A_socket_io_server_on_a_custom_path_is_recognised_from_its_400_and_not_blamed_on_a_proxy()
    {
        await using var client = Client(socketIo.Custom.GetUri(SocketIoPeerFixture.CustomPath));
        var before = socketIo.Custom.Upgrades.Count;

        var error = (await client.Invoking(c => c.StartAsync()).Should().ThrowAsync<WebSocketConnectException>()).Which;

        error.StatusCode.Should().Be(400);
        error.IsTransient.Should().BeFalse();
        error.Message.Should().Contain("Socket.IO client").And.Contain("Engine.IO").And.NotContain("reverse proxy");
        await Eventually.TrueAsync(() => socketIo.Custom.Upgrades.Count > before, "the server has reported the upgrade request");
        socketIo.Custom.Upgrades.Count.Should().Be(before + 1, "one attempt, not retried");
        client.State.Should().Be(ConnectionState.Faulted);
    }

    [Fact]
    public async Task An_http_400_written_after_the_101_faults_once_with_the_diagnosis_instead_of_reconnecting_forever()
    {
        await using var client = Client(socketIo.Custom.GetUri(SocketIoPeerFixture.CustomPath + "?transport=websocket"));
        var states = new StateRecorder(client);
        var before = socketIo.Custom.Upgrades.Count;

        await client.StartAsync().WaitAsync(TestTimeouts.Signal);
        var faulted = await states.WaitForAsync(ConnectionState.Faulted);

        var cause = faulted.Cause.Should().BeOfType<WebSocketConnectException>().Subject;
        cause.IsTransient.Should().BeFalse();
        cause.Message.Should().Contain("not WebSocket frames").And.Contain("HTTP/1.1 400").And.Contain("Socket.IO client");
        states.States.Should().Equal(ConnectionState.Connecting, ConnectionState.Open, ConnectionState.Faulted);
        await Eventually.TrueAsync(() => socketIo.Custom.Upgrades.Count > before, "the server has reported the upgrade request");
        socketIo.Custom.Upgrades.Count.Should().Be(before + 1, "a server that is not speaking WebSocket is not retried");
    }
}
