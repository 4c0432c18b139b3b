using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using ResilientSockets.Tests.Lifecycle;
using Xunit;

namespace ResilientSockets.Tests.Connectivity;

/// <summary>A lost network stops the attempts (and the backoff growth); the network back means "reconnect now".</summary>
public sealed class ConnectivityTests
{
    [Fact]
    public async Task While_offline_no_attempt_is_made_and_the_backoff_does_not_grow()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.RejectNextHandshakes(2, 503);
        await using var sut = LifecycleSut.Create(server.GetUri());

        var start = sut.Client.StartAsync();
        await sut.NextBackoffAsync();
        sut.Network.Set(online: false);
        await sut.Client.WhenHeld.WaitAsync(TestTimeouts.Signal);
        sut.Time.Advance(TimeSpan.FromHours(1));
        server.HandshakeCount.Should().Be(1, "an hour offline makes no attempt");
        sut.Client.State.Should().Be(ConnectionState.Reconnecting);

        sut.Network.Set(online: true);
        await server.WaitUntilAsync(s => s.HandshakeCount == 2, TestTimeouts.Signal);

        // Had attempts gone on for that hour the backoff would be at MaxDelay (8 s); it is the second failure's.
        (await sut.NextBackoffAsync()).Should().BeLessThanOrEqualTo(TimeSpan.FromSeconds(2));
        sut.Client.ReconnectNow();
        await start.WaitAsync(TestTimeouts.Signal);
        await sut.States.WaitForAsync(ConnectionState.Open);
        sut.States.States.Should().Equal(
            ConnectionState.Connecting, ConnectionState.Reconnecting,
            ConnectionState.Connecting, ConnectionState.Reconnecting,
            ConnectionState.Connecting, ConnectionState.Open);
    }

    [Fact]
    public async Task A_client_started_offline_waits_in_Reconnecting_and_connects_when_the_network_is_back()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var sut = LifecycleSut.Create(server.GetUri(), online: false);

        var start = sut.Client.StartAsync();
        var waiting = await sut.States.WaitForAsync(ConnectionState.Reconnecting);
        waiting.Cause.Should().BeOfType<WebSocketConnectException>().Which.Message.Should().Contain("no network");
        sut.Time.Advance(TimeSpan.FromHours(1));
        server.HandshakeCount.Should().Be(0);

        sut.Network.Set(online: true);
        await start.WaitAsync(TestTimeouts.Signal);
        server.HandshakeCount.Should().Be(1);
    }

    [Fact]
    public async Task Going_offline_leaves_an_open_connection_alone_and_a_drop_then_waits_for_the_network()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var sut = LifecycleSut.Create(server.GetUri());
        await sut.Client.StartAsync().WaitAsync(TestTimeouts.Signal);

        sut.Network.Set(online: false);
        await sut.Client.SendTextAsync("still flowing").AsTask().WaitAsync(TestTimeouts.Signal);
        await server.WaitUntilAsync(s => s.ReceivedCount == 1, TestTimeouts.Signal);
        sut.Client.State.Should().Be(ConnectionState.Open);

        server.AbortAll();
        await sut.States.WaitForAsync(ConnectionState.Reconnecting);
        await sut.Client.WhenHeld.WaitAsync(TestTimeouts.Signal);
        sut.Time.Advance(TimeSpan.FromHours(1));
        server.HandshakeCount.Should().Be(1);

        sut.Network.Set(online: true);
        await sut.States.WaitForAsync(ConnectionState.Open, occurrence: 2);
        server.HandshakeCount.Should().Be(2);
    }

    [Fact]
    public async Task ReconnectNow_while_offline_makes_one_attempt_because_the_source_may_be_wrong()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.RejectNextHandshakes(1, 503);
        await using var sut = LifecycleSut.Create(server.GetUri());
        var start = sut.Client.StartAsync();
        await sut.NextBackoffAsync();
        sut.Network.Set(online: false);

        sut.Client.ReconnectNow().Should().BeTrue();

        await start.WaitAsync(TestTimeouts.Signal);
        server.HandshakeCount.Should().Be(2);
    }

    [Fact]
    public async Task The_client_detaches_from_its_connectivity_source_when_it_stops()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var sut = LifecycleSut.Create(server.GetUri());
        await sut.Client.StartAsync().WaitAsync(TestTimeouts.Signal);
        sut.Network.SubscriberCount.Should().Be(1);

        await sut.DisposeAsync();

        sut.Network.SubscriberCount.Should().Be(0, "a source outliving the client must not keep it alive");
    }

    [Fact]
    public void The_default_source_is_the_operating_systems_and_starts_online()
    {
        new ResilientWebSocketOptions().Lifecycle.Connectivity.Should().BeSameAs(NetworkChangeConnectivitySource.Shared);
        EventHandler<ConnectivityChangedEventArgs> handler = (_, _) => { };

        NetworkChangeConnectivitySource.Shared.ConnectivityChanged += handler;
        NetworkChangeConnectivitySource.Shared.ConnectivityChanged -= handler;

        NetworkChangeConnectivitySource.Shared.IsSupported.Should().BeTrue("Linux supports NetworkChange");
        NetworkChangeConnectivitySource.Shared.IsOnline.Should().BeTrue();
    }
}
