using System.Net.Security;
using System.Net.WebSockets;
using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Reliability;

/// <summary>Hostile or broken servers: what the client does, and that it loses nothing it accepted.</summary>
public sealed class BadInputTests
{
    [Fact]
    public async Task Invalid_UTF8_in_a_text_message_drops_the_link_and_the_client_reconnects()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var sent = 0;
        server.Map("/bad-utf8", new ServerRoute
        {
            OnConnected = c => Interlocked.Increment(ref sent) == 1
                ? c.SendAsync(new byte[] { 0x68, 0x69, 0xC3, 0x28 }, WebSocketMessageType.Text)
                : c.SendTextAsync("clean"),
        });
        await using var client = Sut.Create(server.GetUri("/bad-utf8"));
        var states = new StateRecorder(client);
        var delivered = new List<string>();
        var clean = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.MessageReceived += (m, _) => { lock (delivered) { delivered.Add(m.Text); } if (m.Text == "clean") { clean.TrySetResult(); } return ValueTask.CompletedTask; };

        await client.StartAsync();

        var lost = await states.WaitForAsync(ConnectionState.Reconnecting);
        lost.Cause.Should().BeOfType<WebSocketException>("the runtime validates UTF-8 and fails the receive");
        await clean.Task.WaitAsync(TestTimeouts.Signal);
        delivered.Should().Equal("clean");
    }

    [Fact]
    public async Task A_server_that_closes_mid_message_delivers_nothing_partial_and_the_client_reconnects()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var connections = 0;
        server.Map("/half", new ServerRoute
        {
            OnConnected = async c =>
            {
                if (Interlocked.Increment(ref connections) == 1)
                {
                    await c.SendPartialAsync(new byte[1000], WebSocketMessageType.Binary);
                    c.Abort();
                }
                else
                {
                    await c.SendTextAsync("whole");
                }
            },
        });
        await using var client = Sut.Create(server.GetUri("/half"));
        await using var reader = client.ReadAllAsync().GetAsyncEnumerator();
        var first = reader.MoveNextAsync().AsTask();

        await client.StartAsync();

        (await first.WaitAsync(TestTimeouts.Signal)).Should().BeTrue();
        reader.Current.Text.Should().Be("whole", "the half message never reaches a reader");
    }

    [Fact]
    public async Task A_self_signed_certificate_is_refused_by_default_with_a_clear_message()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync(new LoopbackServerOptions { UseTls = true });
        await using var client = Sut.Create(server.GetUri("/echo"));

        var error = (await client.Invoking(c => c.StartAsync()).Should().ThrowAsync<WebSocketConnectException>()).Which;

        error.Message.Should().Contain("TLS").And.Contain("RemoteCertificateValidationCallback");
        error.IsTransient.Should().BeFalse("a certificate problem does not fix itself");
        server.Connections.Should().BeEmpty();
    }

    [Fact]
    public async Task A_self_signed_certificate_is_accepted_when_the_user_supplies_a_validation_callback()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync(new LoopbackServerOptions { UseTls = true });
        var thumbprint = server.Certificate!.Thumbprint;
        await using var client = Sut.Create(server.GetUri("/echo"), o => o.OnConnecting = (ctx, _) =>
        {
            ctx.Options.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None || certificate?.GetCertHashString() == thumbprint;
            return ValueTask.CompletedTask;
        });
        await using var reader = client.ReadAllAsync().GetAsyncEnumerator();
        var first = reader.MoveNextAsync().AsTask();

        await client.StartAsync();
        await client.SendTextAsync("over tls");

        (await first.WaitAsync(TestTimeouts.Signal)).Should().BeTrue();
        reader.Current.Text.Should().Be("over tls");
        client.Options.Uri!.Scheme.Should().Be("wss");
    }

    [Fact]
    public async Task A_server_that_never_answers_the_handshake_is_cut_off_by_ConnectTimeout()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.HandshakeDelay = TimeSpan.FromMinutes(1);
        await using var client = Sut.Create(server.GetUri("/echo"), o =>
        {
            o.Reconnect.ConnectTimeout = TimeSpan.FromMilliseconds(300);
            o.Reconnect.MaxAttempts = 2;
        });

        var error = (await client.Invoking(c => c.StartAsync()).Should().ThrowAsync<WebSocketConnectException>()).Which;

        error.Message.Should().Contain("ConnectTimeout");
        server.HandshakeCount.Should().Be(2);
    }

    [Fact]
    public async Task A_black_holed_server_is_detected_by_the_heartbeat()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.Map("/pong", new ServerRoute { OnMessage = (c, _) => c.SendTextAsync("{\"type\":\"pong\"}") });
        await using var client = Sut.Create(server.GetUri("/pong"), o =>
        {
            o.Heartbeat.Enabled = true;
            o.Heartbeat.Interval = TimeSpan.FromMilliseconds(100);
            o.Heartbeat.Timeout = TimeSpan.FromMilliseconds(300);
        });
        var states = new StateRecorder(client);
        await client.StartAsync();

        server.BlackHole();

        var lost = await states.WaitForAsync(ConnectionState.Reconnecting);
        lost.Cause.Should().BeOfType<ConnectionTimeoutException>();
        server.EndBlackHole();
        await states.WaitForAsync(ConnectionState.Open, 2);
    }
}
