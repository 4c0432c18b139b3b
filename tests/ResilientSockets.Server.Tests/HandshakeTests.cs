using System.Net;
using System.Net.WebSockets;

namespace ResilientSockets.Server.Tests;

public sealed class HandshakeTests
{
    [Fact]
    public async Task Hello_with_a_zero_id_starts_a_new_session_and_its_handler()
    {
        await using var server = await SessionServer.StartAsync(SessionServer.Echo);

        var (client, welcome) = await RawSessionClient.StartAsync(server.Uri);
        await using var _ = client;

        welcome.Resumed.Should().BeFalse();
        welcome.Lost.Should().BeFalse();
        welcome.SessionId.Should().NotBe(Guid.Empty);
        welcome.Value.Should().Be(0);
        welcome.ResumeWindowMilliseconds.Should().Be(120_000);
        client.Socket.SubProtocol.Should().Be(SessionFrameCodec.SubProtocol);
        (await server.SingleSessionAsync()).Id.Should().Be(welcome.SessionId);
        server.Store.Count.Should().Be(1);
    }

    [Fact]
    public async Task Hello_for_an_unknown_session_is_answered_lost_with_a_fresh_session()
    {
        await using var server = await SessionServer.StartAsync(SessionServer.Echo);
        var unknown = Guid.NewGuid();

        var (client, welcome) = await RawSessionClient.StartAsync(server.Uri, unknown, lastReceived: 7);
        await using var _ = client;

        welcome.Lost.Should().BeTrue();
        welcome.Resumed.Should().BeFalse();
        welcome.SessionId.Should().NotBe(unknown).And.NotBe(Guid.Empty);
        welcome.Value.Should().Be(0);
    }

    [Fact]
    public async Task Messages_are_echoed_in_order_and_acknowledged()
    {
        await using var server = await SessionServer.StartAsync(SessionServer.Echo, o => o.AckEvery = 1);
        var (client, _) = await RawSessionClient.StartAsync(server.Uri);
        await using var __ = client;

        await client.SendDataAsync(1, "one");
        await client.SendDataAsync(2, "two");

        var frames = new List<ReceivedFrame>();
        while (frames.Count(f => f.Header.Kind == SessionFrameKind.Data) < 2)
        {
            frames.Add(await client.ReceiveAsync());
        }

        frames.Where(f => f.Header.Kind == SessionFrameKind.Data).Select(f => (f.Header.Value, f.Text))
            .Should().Equal((1UL, "one"), (2UL, "two"));
        frames.Where(f => f.Header.Kind == SessionFrameKind.Ack).Select(f => f.Header.Value).Should().Contain(2UL);
    }

    [Fact]
    public async Task A_ping_is_answered_with_a_pong_carrying_its_value()
    {
        await using var server = await SessionServer.StartAsync(SessionServer.Echo);
        var (client, _) = await RawSessionClient.StartAsync(server.Uri);
        await using var __ = client;

        await client.SendControlAsync(SessionFrameKind.Ping, 0xDEADBEEF);

        var pong = await client.ReceiveAsync();
        pong.Header.Kind.Should().Be(SessionFrameKind.Pong);
        pong.Header.Value.Should().Be(0xDEADBEEF);
    }

    [Fact]
    public async Task Acks_are_batched_until_AckEvery_messages_or_AckDelay()
    {
        await using var server = await SessionServer.StartAsync((s, ct) => Task.Delay(Timeout.Infinite, ct), o => o.AckEvery = 4);
        var (client, _) = await RawSessionClient.StartAsync(server.Uri);
        await using var __ = client;
        var session = await server.SingleSessionAsync();

        for (var i = 1UL; i <= 3; i++)
        {
            await client.SendDataAsync(i, "m");
        }

        await Eventually.TrueAsync(() => session.MessagesReceived == 3, "three messages delivered");
        await client.SendControlAsync(SessionFrameKind.Ping, 1);
        (await client.ReceiveAsync()).Header.Kind.Should().Be(SessionFrameKind.Pong, "no ACK before AckEvery or AckDelay");

        server.Time.Advance(TimeSpan.FromMilliseconds(50));
        var ack = await client.ReceiveAsync();
        ack.Header.Kind.Should().Be(SessionFrameKind.Ack);
        ack.Header.Value.Should().Be(3);

        for (var i = 4UL; i <= 7; i++)
        {
            await client.SendDataAsync(i, "m");
        }

        var second = await client.ReceiveAsync();
        second.Header.Kind.Should().Be(SessionFrameKind.Ack, "AckEvery (4) messages are acknowledged without waiting");
        second.Header.Value.Should().Be(7);
    }

    [Fact]
    public async Task A_plain_http_request_gets_400_explaining_the_subprotocol()
    {
        await using var server = await SessionServer.StartAsync(SessionServer.Echo);
        using var http = new HttpClient();

        var response = await http.GetAsync(new Uri($"http://127.0.0.1:{server.Port}/session"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain(SessionFrameCodec.SubProtocol);
    }

    [Fact]
    public async Task A_websocket_without_the_subprotocol_is_refused_with_400()
    {
        await using var server = await SessionServer.StartAsync(SessionServer.Echo);
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;

        var connect = () => socket.ConnectAsync(server.Uri, CancellationToken.None);

        await connect.Should().ThrowAsync<WebSocketException>();
        socket.HttpStatusCode.Should().Be(HttpStatusCode.BadRequest);
        server.Store.Count.Should().Be(0);
    }

    [Fact]
    public async Task A_connection_that_sends_no_hello_is_aborted_after_the_handshake_timeout()
    {
        await using var server = await SessionServer.StartAsync(SessionServer.Echo, o => o.HandshakeTimeout = TimeSpan.FromSeconds(3));
        await using var client = await RawSessionClient.ConnectAsync(server.Uri);
        var receive = client.ReceiveAsync();

        server.Time.Advance(TimeSpan.FromSeconds(3));

        await receive.Awaiting(r => r).Should().ThrowAsync<WebSocketException>();
        server.Store.Count.Should().Be(0);
    }

    [Fact]
    public async Task Invalid_options_are_refused_when_the_endpoint_is_mapped_with_every_problem_listed()
    {
        var start = () => SessionServer.StartAsync(SessionServer.Echo, o =>
        {
            o.AckEvery = 0;
            o.ResumeWindow = TimeSpan.Zero;
            o.MaxUnacknowledgedMessages = -1;
        });

        (await start.Should().ThrowAsync<ArgumentException>())
            .Which.Message.Should().Contain("AckEvery").And.Contain("ResumeWindow").And.Contain("MaxUnacknowledgedMessages");
    }

    [Fact]
    public void Defaults_are_the_documented_ones()
    {
        var options = new ResilientSessionOptions();

        options.ResumeWindow.Should().Be(TimeSpan.FromMinutes(2));
        options.MaxUnacknowledgedMessages.Should().Be(4096);
        options.MaxUnacknowledgedBytes.Should().Be(4 * 1024 * 1024);
        options.AckEvery.Should().Be(32);
        options.AckDelay.Should().Be(TimeSpan.FromMilliseconds(50));
        options.MaxMessageSize.Should().Be(4 * 1024 * 1024);
        options.HandshakeTimeout.Should().Be(TimeSpan.FromSeconds(10));
        options.MaxSessions.Should().Be(10_000);
        options.MaxPendingIncomingMessages.Should().Be(1024);
    }
}
