using System.Net.Http;
using FluentAssertions;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Heartbeat;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Transport;

/// <summary>WebSockets over HTTP/2 (RFC 8441) against Kestrel with TLS and ALPN: multiplexing, reconnect, heartbeat, downgrade.</summary>
public sealed class Http2Tests
{
    private static Task<LoopbackWebSocketServer> StartServerAsync(HttpProtocols protocols = HttpProtocols.Http1AndHttp2)
        => LoopbackWebSocketServer.StartAsync(new LoopbackServerOptions { UseTls = true, Protocols = protocols });

    /// <summary>One handler for every client, trusting exactly the loopback server's self-signed certificate.</summary>
    private static HttpMessageInvoker SharedInvoker(LoopbackWebSocketServer server)
    {
        var thumbprint = server.Certificate!.GetCertHashString();
        return new HttpMessageInvoker(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == thumbprint },
        });
    }

    private static ResilientWebSocket CreateClient(Uri uri, HttpMessageInvoker invoker, Action<ResilientWebSocketOptions>? configure = null)
        => Sut.Create(uri, o =>
        {
            o.Transport.HttpInvoker = invoker;
            o.Lifecycle.Connectivity = null;
            configure?.Invoke(o);
        });

    [Fact]
    public async Task Many_clients_through_one_invoker_are_multiplexed_on_one_HTTP2_connection()
    {
        await using var server = await StartServerAsync();
        using var invoker = SharedInvoker(server);
        var clients = Enumerable.Range(0, 20).Select(_ => CreateClient(server.GetUri(), invoker)).ToList();
        try
        {
            await Task.WhenAll(clients.Select(c => c.StartAsync())).WaitAsync(TestTimeouts.Signal);
            var echoes = clients.Select(async (c, i) =>
            {
                using var reader = c.CreateReader();
                await c.SendTextAsync($"client {i}");
                await reader.WaitToReadAsync();
                reader.TryRead(out var echo).Should().BeTrue();
                return echo.Text;
            });

            (await Task.WhenAll(echoes).WaitAsync(TestTimeouts.Signal)).Should().BeEquivalentTo(Enumerable.Range(0, 20).Select(i => $"client {i}"));
            server.Connections.Should().HaveCount(20).And.OnlyContain(c => c.Protocol == "HTTP/2");
            server.Connections.Select(c => c.TransportConnectionId).Distinct().Should().ContainSingle("20 WebSockets are 20 streams of one TLS connection");
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task A_server_that_only_speaks_HTTP11_is_reached_by_downgrade()
    {
        await using var server = await StartServerAsync(HttpProtocols.Http1);
        using var invoker = SharedInvoker(server);
        await using var client = CreateClient(server.GetUri(), invoker);

        await client.StartAsync().WaitAsync(TestTimeouts.Signal);

        server.Connections.Single().Protocol.Should().Be("HTTP/1.1");
    }

    [Fact]
    public async Task Asking_for_exactly_HTTP2_from_an_HTTP11_only_server_fails_instead_of_downgrading()
    {
        await using var server = await StartServerAsync(HttpProtocols.Http1);
        using var invoker = SharedInvoker(server);
        await using var client = CreateClient(server.GetUri(), invoker, o =>
        {
            o.Transport.VersionPolicy = WebSocketVersionPolicy.RequestVersionExact;
            o.Reconnect.FailFastOnStart = true;
        });

        await client.Invoking(c => c.StartAsync()).Should().ThrowAsync<WebSocketConnectException>();
        server.Connections.Should().BeEmpty();
    }

    [Fact]
    public async Task Over_HTTP2_a_dropped_stream_or_a_restarted_server_is_reconnected_and_the_queue_flushed()
    {
        await using var server = await StartServerAsync();
        using var invoker = SharedInvoker(server);
        await using var client = CreateClient(server.GetUri("/sink"), invoker);
        var states = new StateRecorder(client);
        await client.StartAsync().WaitAsync(TestTimeouts.Signal);

        server.AbortAll();
        await states.WaitForAsync(ConnectionState.Reconnecting);
        var queued = client.SendTextAsync("after the stream reset").AsTask();
        await states.WaitForAsync(ConnectionState.Open, occurrence: 2);
        await queued.WaitAsync(TestTimeouts.Signal);
        await server.WaitUntilAsync(s => s.ReceivedCount == 1, TestTimeouts.Signal);

        await server.RestartAsync();
        await states.WaitForAsync(ConnectionState.Open, occurrence: 3);
        await client.SendTextAsync("after the restart").AsTask().WaitAsync(TestTimeouts.Signal);

        await Eventually.TrueAsync(() => server.ReceivedMessages.Any(m => m.Text == "after the restart"), "the message reached the restarted server: " + string.Join(",", server.ReceivedMessages.Select(m => m.ConnectionId + ":" + m.Text)));
        server.Connections.Should().OnlyContain(c => c.Protocol == "HTTP/2");
    }

    [Fact]
    public async Task Over_HTTP2_the_heartbeat_measures_round_trips_and_a_silent_server_is_declared_dead()
    {
        await using var server = await StartServerAsync();
        HeartbeatRoutes.MapAll(server);
        using var invoker = SharedInvoker(server);
        await using var client = CreateClient(server.GetUri("/json-pong"), invoker, o =>
        {
            o.Heartbeat.Enabled = true;
            o.Heartbeat.Interval = TimeSpan.FromMilliseconds(100);
            o.Heartbeat.Timeout = TimeSpan.FromMilliseconds(500);
        });
        var states = new StateRecorder(client);
        await client.StartAsync().WaitAsync(TestTimeouts.Signal);

        await Eventually.TrueAsync(() => client.LastRoundTripTime is not null, "a pong was measured over HTTP/2");
        server.BlackHole();
        var lost = await states.WaitForAsync(ConnectionState.Reconnecting);
        server.EndBlackHole();

        lost.Cause.Should().BeOfType<ConnectionTimeoutException>().Which.Kind.Should().Be(ConnectionTimeoutKind.Heartbeat);
        await states.WaitForAsync(ConnectionState.Open, occurrence: 2);
        server.Connections.Should().OnlyContain(c => c.Protocol == "HTTP/2");
    }

    [Fact]
    public async Task A_proxy_set_in_OnConnecting_conflicts_with_an_invoker_and_faults_the_first_attempt_naming_both()
    {
        await using var server = await StartServerAsync();
        using var invoker = SharedInvoker(server);
        await using var client = CreateClient(server.GetUri(), invoker, o => o.OnConnecting = (ctx, _) =>
        {
            ctx.Options.Proxy = new System.Net.WebProxy("http://127.0.0.1:3128");
            ctx.Options.ClientCertificates.Add(server.Certificate!);
            return ValueTask.CompletedTask;
        });

        var error = (await client.Invoking(c => c.StartAsync()).Should().ThrowAsync<WebSocketConnectException>()).Which;

        error.IsTransient.Should().BeFalse();
        error.Message.Should().Contain("Proxy").And.Contain("ClientCertificates").And.Contain("Transport.HttpInvoker").And.Contain("SocketsHttpHandler");
        server.HandshakeCount.Should().Be(0);
        client.State.Should().Be(ConnectionState.Faulted);
    }
}
