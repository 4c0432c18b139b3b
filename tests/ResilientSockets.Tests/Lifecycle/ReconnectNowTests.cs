using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Lifecycle;

/// <summary>"Retry now": the backoff wait is skipped, the attempt counts, and nothing happens while the link is up. No fake time is advanced.</summary>
public sealed class ReconnectNowTests
{
    [Fact]
    public async Task ReconnectNow_during_a_backoff_wait_attempts_at_once_and_the_attempt_counts()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.RejectNextHandshakes(2, 503);
        await using var sut = LifecycleSut.Create(server.GetUri());

        var start = sut.Client.StartAsync();
        var first = await sut.NextBackoffAsync();
        first.Should().BeLessThanOrEqualTo(TimeSpan.FromSeconds(1), "the first failure waits in [0.5 s, 1 s]");

        sut.Client.ReconnectNow().Should().BeTrue();
        await server.WaitUntilAsync(s => s.HandshakeCount == 2, TestTimeouts.Signal);

        // The skipped attempt counted: the wait after it is the second failure's, in [1 s, 2 s].
        var second = await sut.NextBackoffAsync();
        second.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1)).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(2));

        sut.Client.ReconnectNow().Should().BeTrue();
        await start.WaitAsync(TestTimeouts.Signal);
        server.HandshakeCount.Should().Be(3);
        await sut.States.WaitForAsync(ConnectionState.Open);
        sut.States.States.Should().Equal(
            ConnectionState.Connecting, ConnectionState.Reconnecting,
            ConnectionState.Connecting, ConnectionState.Reconnecting,
            ConnectionState.Connecting, ConnectionState.Open);
    }

    [Fact]
    public async Task ReconnectNow_while_open_does_nothing()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var sut = LifecycleSut.Create(server.GetUri());
        await sut.Client.StartAsync().WaitAsync(TestTimeouts.Signal);

        sut.Client.ReconnectNow().Should().BeFalse();

        sut.Client.State.Should().Be(ConnectionState.Open);
        server.HandshakeCount.Should().Be(1);
        server.Connections.Single().Completion.IsCompleted.Should().BeFalse();
    }

    [Fact]
    public async Task ReconnectNow_after_a_lost_connection_skips_the_wait_between_connections()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var sut = LifecycleSut.Create(server.GetUri());
        await sut.Client.StartAsync().WaitAsync(TestTimeouts.Signal);

        server.AbortAll();
        await sut.States.WaitForAsync(ConnectionState.Reconnecting);
        (await sut.NextBackoffAsync()).Should().BeGreaterThan(TimeSpan.Zero);
        sut.Client.ReconnectNow().Should().BeTrue();

        await sut.States.WaitForAsync(ConnectionState.Open, occurrence: 2);
        server.HandshakeCount.Should().Be(2);
    }

    [Fact]
    public async Task ReconnectNow_right_as_the_link_drops_is_not_lost()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var sut = LifecycleSut.Create(server.GetUri());
        await sut.Client.StartAsync().WaitAsync(TestTimeouts.Signal);
        var reconnecting = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        sut.Client.StateChanged += (_, e) =>
        {
            if (e.State == ConnectionState.Reconnecting)
            {
                // Raised as soon as the state changes, typically before the loop has started its backoff wait.
                reconnecting.TrySetResult(sut.Client.ReconnectNow());
            }
        };

        server.AbortAll();

        (await reconnecting.Task.WaitAsync(TestTimeouts.Signal)).Should().BeTrue();
        await sut.States.WaitForAsync(ConnectionState.Open, occurrence: 2);
    }
}
