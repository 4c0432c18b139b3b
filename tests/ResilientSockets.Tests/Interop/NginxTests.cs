using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Interop;

/// <summary>Through a real nginx reverse proxy: one that forwards Upgrade/Connection, and one that does not.</summary>
public sealed class NginxTests
{
    [Fact]
    public async Task Through_a_forwarding_proxy_the_client_works_and_reconnects_when_nginx_restarts()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var nginx = await NginxProxy.StartAsync("forwarding.conf", server.Port);
        await using var client = Sut.Create(nginx.Wrap(server.GetUri("/echo")), o => o.Reconnect.Delay = TimeSpan.FromMilliseconds(100));
        var states = new StateRecorder(client);
        await using var reader = client.ReadAllAsync().GetAsyncEnumerator();
        var first = reader.MoveNextAsync().AsTask();
        await client.StartAsync();
        await client.SendTextAsync("via nginx");
        (await first.WaitAsync(TestTimeouts.Signal)).Should().BeTrue();
        reader.Current.Text.Should().Be("via nginx");

        await nginx.RestartAsync();

        await states.WaitForAsync(ConnectionState.Reconnecting);
        await states.WaitForAsync(ConnectionState.Open, 2);
        var second = reader.MoveNextAsync().AsTask();
        await client.SendTextAsync("after nginx restarted");
        (await second.WaitAsync(TestTimeouts.Signal)).Should().BeTrue();
        reader.Current.Text.Should().Be("after nginx restarted");
    }

    [Fact]
    public async Task Through_a_proxy_that_drops_the_upgrade_headers_the_user_gets_the_diagnostic()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var nginx = await NginxProxy.StartAsync("not-forwarding.conf", server.Port);
        await using var client = Sut.Create(nginx.Wrap(server.GetUri("/echo")));

        var error = (await client.Invoking(c => c.StartAsync()).Should().ThrowAsync<WebSocketConnectException>()).Which;

        error.Message.Should().Contain("'Upgrade'").And.Contain("'Connection: upgrade'").And.Contain("proxy");
        error.IsTransient.Should().BeFalse();
        client.State.Should().Be(ConnectionState.Faulted);
    }
}
