using System.Diagnostics;
using System.Text;
using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ResilientSockets.Tests.Interop;

/// <summary>Subscriptions and requests against the real graphql-ws server (npm graphql-ws 6 + graphql 16), restarted and killed for real.</summary>
public sealed class GraphQLWsInteropTests(ITestOutputHelper output)
{
    private const string Tick = "subscription { tick(ms: 20) }";

    private static ResilientWebSocket CreateClient(ProtocolPeer peer, CapturingLogger? logger = null, Action<ResilientWebSocketOptions>? configure = null)
        => Sut.Create(peer.Uri, o =>
        {
            o.Subscriptions = new SubscriptionOptions { Protocol = new GraphQLWsProtocol() };
            configure?.Invoke(o);
        }, logger);

    [Fact]
    public async Task Subscription_ResumesAfterTheServerIsKilledAndRestarted_WithoutTheConsumerDoingAnything()
    {
        await using var peer = await ProtocolPeer.StartGraphQLAsync();
        await using var client = CreateClient(peer);
        await client.StartAsync();
        using var ticks = client.Subscribe(Tick);

        var before = await ticks.TakeTextsAsync(3);
        before.Should().AllSatisfy(t => t.Should().StartWith("{\"data\":{\"tick\":"));

        var down = Stopwatch.StartNew();
        await peer.KillAsync();
        await peer.RestartAsync();

        // Ticks already received from the old server may still be queued; the new server's subscription starts at 1.
        var old = new List<int>();
        var fresh = new List<int>();
        using var cts = new CancellationTokenSource(TestTimeouts.Signal);
        await foreach (var message in ticks.ReadAllAsync(cts.Token))
        {
            var value = int.Parse(message.Text["{\"data\":{\"tick\":".Length..^2], System.Globalization.CultureInfo.InvariantCulture);
            (fresh.Count == 0 && value != 1 ? old : fresh).Add(value);
            if (fresh.Count == 3)
            {
                break;
            }
        }

        fresh.Should().Equal([1, 2, 3], "the subscription resumed on the restarted server without the consumer doing anything, and every tick it sent arrived");
        peer.Count("SUBSCRIBE").Should().Be(2, "one subscribe per connection");
        output.WriteLine($"Old server: ticks up to {(old.Count > 0 ? old[^1] : 3)} received ({old.Count} still queued at the kill). "
            + $"From the kill to the third tick of the restarted server: {down.ElapsedMilliseconds} ms; whatever the old server would have ticked in that time "
            + "was never produced (graphql-ws has no replay): the consumer sees the gap as the counter restarting at 1.");
    }

    [Fact]
    public async Task TwoConsumersOfOneTopic_ShareOneWireSubscribe_AndOnlyTheLastToLeaveSendsComplete()
    {
        await using var peer = await ProtocolPeer.StartGraphQLAsync();
        await using var client = CreateClient(peer);
        await client.StartAsync();

        var first = client.Subscribe(Tick);
        var second = client.Subscribe(Tick, new ReaderOptions { Name = "second" });
        (await first.TakeTextsAsync(2)).Should().HaveCount(2);
        (await second.TakeTextsAsync(2)).Should().HaveCount(2);
        peer.Count("SUBSCRIBE").Should().Be(1, "two consumers of one topic share one wire subscription");

        first.Dispose();
        (await second.TakeTextsAsync(2)).Should().HaveCount(2, "the remaining consumer keeps receiving");
        second.Dispose();
        await peer.WaitForAsync(lines => lines.Any(l => l.StartsWith("COMPLETE", StringComparison.Ordinal)), "the unsubscribe");

        // A query round trip afterwards proves everything sent before it has been processed by the server.
        await client.RequestAsync("query { hello }", default);
        peer.Count("COMPLETE").Should().BeGreaterThanOrEqualTo(1);
        peer.Lines.Count(l => l.StartsWith("COMPLETE s", StringComparison.Ordinal)).Should().Be(1, "only the last consumer to leave sends complete");
        peer.Count("SUBSCRIBE s").Should().Be(1);
        client.SubscribedTopicCount.Should().Be(0);
    }

    [Fact]
    public async Task Query_CompletesWithItsResult()
    {
        await using var peer = await ProtocolPeer.StartGraphQLAsync();
        await using var client = CreateClient(peer);
        await client.StartAsync();

        var result = await client.RequestAsync("query Hello($name: String) { hello(name: $name) }", "{\"name\":\"graphql\"}"u8.ToArray());

        Encoding.UTF8.GetString(result.Span).Should().Be("{\"data\":{\"hello\":\"hello graphql\"}}");
        client.PendingRequestCount.Should().Be(0);
    }

    [Fact]
    public async Task QueryThatFails_ThrowsRequestFailedException_WithTheServersMessage()
    {
        await using var peer = await ProtocolPeer.StartGraphQLAsync();
        await using var client = CreateClient(peer);
        await client.StartAsync();

        var act = () => client.RequestAsync("query { fail }", default);

        (await act.Should().ThrowAsync<RequestFailedException>()).Which.ServerMessage.Should().Contain("fail was asked to fail");
    }

    [Fact]
    public async Task RefusedSubscription_EndsItsStreamWithTheServersError()
    {
        var logger = new CapturingLogger();
        await using var peer = await ProtocolPeer.StartGraphQLAsync();
        await using var client = CreateClient(peer, logger);
        await client.StartAsync();
        using var broken = client.Subscribe("subscription { broken }");

        var act = () => broken.TakeTextsAsync(1);

        (await act.Should().ThrowAsync<SubscriptionRefusedException>()).Which.ServerMessage.Should().Contain("broken is not available");
        logger.Entries.Should().Contain(e => e.Id.Id == 32);
        client.SubscribedTopicCount.Should().Be(0, "a refused route is removed");
    }

    [Fact]
    public async Task CancellingAQuery_SendsCompleteForItsId()
    {
        await using var peer = await ProtocolPeer.StartGraphQLAsync();
        await using var client = CreateClient(peer);
        await client.StartAsync();
        using var cts = new CancellationTokenSource();

        var request = client.RequestAsync("query { slow(ms: 10000) }", default, cancellationToken: cts.Token);
        await peer.WaitForAsync(lines => lines.Any(l => l.Contains("slow", StringComparison.Ordinal)), "the slow query");
        cts.Cancel();

        await request.Invoking(r => r).Should().ThrowAsync<OperationCanceledException>();
        await peer.WaitForAsync(lines => lines.Any(l => l.StartsWith("COMPLETE r", StringComparison.Ordinal)), "the cancel (complete with the request's id)");
        client.PendingRequestCount.Should().Be(0);
    }

    [Fact]
    public async Task ServerThatNeverAcksConnectionInit_FailsTheStartWithAClearError_NotAHang()
    {
        var logger = new CapturingLogger();
        var time = new FakeTimeProvider();
        await using var peer = await ProtocolPeer.StartGraphQLAsync("--no-ack");
        await using var client = CreateClient(peer, logger, o =>
        {
            o.TimeProvider = time;
            o.Reconnect.FailFastOnStart = true;
            o.Subscriptions!.HandshakeTimeout = TimeSpan.FromSeconds(3);
        });

        var start = client.StartAsync();
        await peer.WaitForAsync(lines => lines.Contains("CONNECT"), "connection_init");
        time.Advance(TimeSpan.FromSeconds(3));

        var error = (await start.Invoking(s => s).Should().ThrowAsync<WebSocketConnectException>()).Which;
        error.Message.Should().Contain("HandshakeTimeout").And.Contain("never acknowledged");
        error.InnerException.Should().BeOfType<ProtocolHandshakeException>();
        logger.Entries.Should().Contain(e => e.Id.Id == 31);
        client.State.Should().Be(ConnectionState.Faulted);
    }

    [Fact]
    public async Task DefaultHeartbeat_IsAnsweredByTheGraphQLWsServerItself()
    {
        await using var peer = await ProtocolPeer.StartGraphQLAsync();
        await using var client = CreateClient(peer, configure: o =>
        {
            o.Heartbeat.Enabled = true;
            o.Heartbeat.Interval = TimeSpan.FromMilliseconds(50);
        });
        await client.StartAsync();
        using var ticks = client.Subscribe(Tick);

        await Eventually.TrueAsync(() => client.LastRoundTripTime is not null, "a graphql-ws pong answers the default ping");
        (await ticks.TakeTextsAsync(2)).Should().HaveCount(2, "the heartbeat's pongs do not disturb the subscription");
        client.State.Should().Be(ConnectionState.Open);
    }
}
