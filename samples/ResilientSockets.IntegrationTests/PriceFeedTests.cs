using System.Net.WebSockets;
using ResilientSockets;
using ResilientSockets.Testing;
using Xunit;

namespace ResilientSockets.IntegrationTests;

/// <summary>Tests of an application's own WebSocket code against a loopback server that misbehaves on purpose.</summary>
public sealed class PriceFeedTests
{
    [Fact]
    public async Task Subscriptions_are_renewed_after_the_server_drops_the_connection()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = new ResilientWebSocket(new ResilientWebSocketOptions
        {
            Uri = server.GetUri("/sink"),
            Reconnect = { Delay = TimeSpan.FromMilliseconds(50) },
            OnConnected = (ctx, ct) => ctx.SendTextAsync("subscribe:prices", ct),
        });
        await client.StartAsync();
        await server.WaitUntilAsync(s => s.ReceivedCount == 1, TimeSpan.FromSeconds(10));

        server.AbortAll();

        await server.WaitUntilAsync(s => s.Connections.Count == 2 && s.Connections[1].Received.Count == 1, TimeSpan.FromSeconds(10));
        Assert.Equal("subscribe:prices", server.Connections[1].Received[0].Text);
    }

    [Fact]
    public async Task A_rejected_handshake_with_Retry_After_is_retried_later()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.RejectNextHandshakes(2, 503, retryAfter: TimeSpan.FromSeconds(0));
        await using var client = new ResilientWebSocket(new ResilientWebSocketOptions
        {
            Uri = server.GetUri("/echo"),
            Reconnect = { Delay = TimeSpan.FromMilliseconds(20) },
        });

        await client.StartAsync();

        Assert.Equal(3, server.HandshakeCount);
        Assert.Equal(ConnectionState.Open, client.State);
    }

    [Fact]
    public async Task A_black_holed_link_is_noticed_by_the_heartbeat()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.Map("/pong", new ServerRoute { OnMessage = (c, m) => c.SendTextAsync("{\"type\":\"pong\"}") });
        await using var proxy = TcpFaultProxy.Start(server.Port);
        await using var client = new ResilientWebSocket(new ResilientWebSocketOptions
        {
            Uri = proxy.Wrap(server.GetUri("/pong")),
            Heartbeat = { Enabled = true, Interval = TimeSpan.FromMilliseconds(100), Timeout = TimeSpan.FromMilliseconds(300) },
        });
        var lost = new TaskCompletionSource<ConnectionStateChangedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.StateChanged += (_, e) => { if (e.State == ConnectionState.Reconnecting) lost.TrySetResult(e); };
        await client.StartAsync();

        proxy.BlackHoleExistingLinks();

        var change = await lost.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.IsType<ConnectionTimeoutException>(change.Cause);
    }

    [Fact]
    public async Task Messages_queued_while_the_server_is_down_arrive_in_order_after_it_returns()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = new ResilientWebSocket(new ResilientWebSocketOptions { Uri = server.GetUri("/sink"), Reconnect = { Delay = TimeSpan.FromMilliseconds(50) } });
        await client.StartAsync();
        await server.StopAsync();

        var sends = Enumerable.Range(1, 10).Select(i => client.SendTextAsync($"order-{i}").AsTask()).ToArray();
        await server.RestartAsync();
        await Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(10));

        await server.WaitUntilAsync(s => s.ReceivedCount == 10, TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"order-{i}"), server.ReceivedMessages.Select(m => m.Text));
        Assert.Equal(WebSocketMessageType.Text, server.ReceivedMessages[0].MessageType);
    }
}
