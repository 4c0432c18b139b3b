using System.Net.WebSockets;
using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Connection;

/// <summary>Readers and pending sends are told what actually ended the client; only a lost link that could not be restored "gave up reconnecting".</summary>
public sealed class FaultMessageTests
{
    [Fact]
    public async Task A_final_close_status_reaches_readers_and_senders_as_a_ServerClosedException_with_the_status()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/echo"), o => o.Reconnect.ShouldStopOnClose = (status, _) => status == WebSocketCloseStatus.PolicyViolation);
        var states = new StateRecorder(client);
        await using var reader = client.ReadAllAsync().GetAsyncEnumerator();
        var read = reader.MoveNextAsync().AsTask();
        await client.StartAsync();

        await server.CloseAllAsync(WebSocketCloseStatus.PolicyViolation, "banned");

        var readError = (await read.Invoking(t => t.WaitAsync(TestTimeouts.Signal)).Should().ThrowAsync<ServerClosedException>()).Which;
        readError.CloseStatus.Should().Be(WebSocketCloseStatus.PolicyViolation);
        readError.CloseStatusDescription.Should().Be("banned");
        readError.Message.Should().Contain("1008").And.Contain("'banned'").And.Contain("ShouldStopOnClose").And.NotContain("gave up reconnecting");

        var faulted = await states.WaitForAsync(ConnectionState.Faulted);
        var cause = faulted.Cause.Should().BeOfType<ServerClosedException>().Subject;
        cause.CloseStatus.Should().Be(WebSocketCloseStatus.PolicyViolation);

        var send = async () => await client.SendTextAsync("late");
        var sendError = (await send.Should().ThrowAsync<MessageNotSentException>()).Which;
        sendError.Reason.Should().Be(MessageDropReason.Faulted);
        sendError.Message.Should().NotContain("gave up reconnecting").And.Contain("1008");
        sendError.InnerException.Should().BeOfType<ServerClosedException>().Which.CloseStatusDescription.Should().Be("banned");
    }

    [Fact]
    public async Task A_404_on_the_first_connect_says_the_client_could_not_connect()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/no-such-endpoint"));
        await using var reader = client.ReadAllAsync().GetAsyncEnumerator();
        var read = reader.MoveNextAsync().AsTask();
        var queued = client.SendTextAsync("queued before start").AsTask();

        await client.Invoking(c => c.StartAsync()).Should().ThrowAsync<WebSocketConnectException>();

        var readError = (await read.Invoking(t => t.WaitAsync(TestTimeouts.Signal)).Should().ThrowAsync<ResilientWebSocketException>()).Which;
        readError.Message.Should().StartWith("The client could not connect: ").And.Contain("404").And.NotContain("gave up reconnecting");
        readError.InnerException.Should().BeOfType<WebSocketConnectException>().Which.StatusCode.Should().Be(404);
        var sendError = (await queued.Invoking(t => t.WaitAsync(TestTimeouts.Signal)).Should().ThrowAsync<MessageNotSentException>()).Which;
        sendError.Reason.Should().Be(MessageDropReason.Faulted);
        sendError.Message.Should().StartWith("The client could not connect: ");
    }

    [Fact]
    public async Task A_lost_link_that_cannot_be_restored_within_MaxAttempts_gave_up_reconnecting()
    {
        var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/echo"), o => o.Reconnect.MaxAttempts = 2);
        await using var reader = client.ReadAllAsync().GetAsyncEnumerator();
        var read = reader.MoveNextAsync().AsTask();
        await client.StartAsync();

        await server.DisposeAsync();

        var readError = (await read.Invoking(t => t.WaitAsync(TestTimeouts.Signal)).Should().ThrowAsync<ResilientWebSocketException>()).Which;
        readError.Message.Should().StartWith("The client gave up reconnecting: ");
        client.State.Should().Be(ConnectionState.Faulted);
    }
}
