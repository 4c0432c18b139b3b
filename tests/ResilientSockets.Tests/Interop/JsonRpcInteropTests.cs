using System.Text;
using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Interop;

/// <summary>Requests and event subscriptions against the real rpc-websockets server (npm rpc-websockets 10), killed and restarted for real.</summary>
public sealed class JsonRpcInteropTests
{
    private static ResilientWebSocket CreateClient(ProtocolPeer peer, CapturingLogger? logger = null, Action<ResilientWebSocketOptions>? configure = null)
        => Sut.Create(peer.Uri, o =>
        {
            o.Subscriptions = new SubscriptionOptions { Protocol = new JsonRpcProtocol() };
            configure?.Invoke(o);
        }, logger);

    private static string Json(ReadOnlyMemory<byte> result) => Encoding.UTF8.GetString(result.Span);

    [Fact]
    public async Task EventSubscription_ResumesAfterTheServerIsKilledAndRestarted()
    {
        await using var peer = await ProtocolPeer.StartJsonRpcAsync();
        await using var client = CreateClient(peer);
        await client.StartAsync();
        using var ticks = client.Subscribe("tick");
        var before = await ticks.TakeTextsAsync(2);
        before.Should().AllSatisfy(t => t.Should().StartWith("{\"n\":"));
        int Pid(string tick)
        {
            using var json = System.Text.Json.JsonDocument.Parse(tick);
            return json.RootElement.GetProperty("pid").GetInt32();
        }

        var oldServer = Pid(before[0]);

        await peer.KillAsync();
        await peer.RestartAsync();

        // Ticks from the old server may still be queued: each tick names the server process that sent it.
        var fresh = new List<int>();
        using var cts = new CancellationTokenSource(TestTimeouts.Signal);
        await foreach (var message in ticks.ReadAllAsync(cts.Token))
        {
            using var json = System.Text.Json.JsonDocument.Parse(message.Text);
            var pid = json.RootElement.GetProperty("pid").GetInt32();
            if (pid != oldServer)
            {
                fresh.Add(json.RootElement.GetProperty("n").GetInt32());
            }

            if (fresh.Count == 2)
            {
                break;
            }
        }

        fresh[1].Should().Be(fresh[0] + 1, "the restored subscription delivers every tick the new server emits");
        peer.Count("ON tick").Should().Be(2, "rpc.on was sent again on the new connection, without the consumer doing anything");
    }

    [Fact]
    public async Task TwoConsumersOfOneEvent_SendOneRpcOn_AndTheLastToLeaveSendsOneRpcOff()
    {
        await using var peer = await ProtocolPeer.StartJsonRpcAsync();
        await using var client = CreateClient(peer);
        await client.StartAsync();

        var first = client.Subscribe("news");
        var second = client.Subscribe("news");
        await peer.WaitForAsync(l => l.Contains("ON news"), "rpc.on");
        await client.RequestAsync("publish", "[\"hello\"]"u8.ToArray());
        (await first.TakeTextsAsync(1)).Should().Equal("{\"text\":\"hello\"}");
        (await second.TakeTextsAsync(1)).Should().Equal("{\"text\":\"hello\"}");

        first.Dispose();
        await client.RequestAsync("echo", "[1]"u8.ToArray()); // everything sent before it has reached the server
        peer.Count("OFF").Should().Be(0, "another consumer still reads the event");
        second.Dispose();
        await peer.WaitForAsync(l => l.Contains("OFF news"), "rpc.off");
        await client.RequestAsync("echo", "[2]"u8.ToArray());

        peer.Count("ON news").Should().Be(1);
        peer.Count("OFF news").Should().Be(1);
    }

    [Fact]
    public async Task SubscriptionToAnUnknownEvent_EndsItsStreamWithTheServersAnswer()
    {
        await using var peer = await ProtocolPeer.StartJsonRpcAsync();
        await using var client = CreateClient(peer);
        await client.StartAsync();
        using var nope = client.Subscribe("nope");

        var act = () => nope.TakeTextsAsync(1);

        (await act.Should().ThrowAsync<SubscriptionRefusedException>()).Which.ServerMessage.Should().Be("provided event invalid");
    }

    [Fact]
    public async Task MethodThatThrows_ThrowsRequestFailedException_WithTheServersError()
    {
        await using var peer = await ProtocolPeer.StartJsonRpcAsync();
        await using var client = CreateClient(peer);
        await client.StartAsync();

        var act = () => client.RequestAsync("fail", default);

        var error = (await act.Should().ThrowAsync<RequestFailedException>()).Which;
        error.ServerMessage.Should().Contain("fail was asked to fail");
        error.Details.Should().Contain("-32000");
    }

    [Fact]
    public async Task RequestWithoutResponseInTime_TimesOut_AndTheLateResponseIsLoggedNotDelivered()
    {
        var logger = new CapturingLogger();
        var time = new FakeTimeProvider();
        await using var peer = await ProtocolPeer.StartJsonRpcAsync();
        await using var client = CreateClient(peer, logger, o => o.TimeProvider = time);
        await client.StartAsync();
        using var stray = client.CreateReader();

        var request = client.RequestAsync("slow", "[300]"u8.ToArray(), new RequestOptions { Timeout = TimeSpan.FromSeconds(5) });
        await peer.WaitForAsync(l => l.Contains("CALL slow"), "the call");
        time.Advance(TimeSpan.FromSeconds(5));

        await request.Invoking(r => r).Should().ThrowAsync<TimeoutException>();
        client.PendingRequestCount.Should().Be(0, "a timed-out request is removed at once");
        await Eventually.TrueAsync(() => logger.Entries.Any(e => e.Id.Id == 33), "the late response is logged");
        stray.Count.Should().Be(0, "a response nobody waits for is never delivered as a stray message");
    }

    [Fact]
    public async Task CancelledRequest_CompletesAsCancelled_AndLeavesNothingPending()
    {
        await using var peer = await ProtocolPeer.StartJsonRpcAsync();
        await using var client = CreateClient(peer);
        await client.StartAsync();
        using var cts = new CancellationTokenSource();

        var request = client.RequestAsync("slow", "[5000]"u8.ToArray(), cancellationToken: cts.Token);
        await peer.WaitForAsync(l => l.Contains("CALL slow"), "the call");
        cts.Cancel();

        await request.Invoking(r => r).Should().ThrowAsync<OperationCanceledException>();
        client.PendingRequestCount.Should().Be(0);
    }

    [Fact]
    public async Task RequestInFlightWhenTheLinkDrops_FailsWithRequestInterruptedException_ByDefault()
    {
        await using var peer = await ProtocolPeer.StartJsonRpcAsync();
        await using var client = CreateClient(peer);
        await client.StartAsync();

        var request = client.RequestAsync("slow", "[10000]"u8.ToArray());
        await peer.WaitForAsync(l => l.Contains("CALL slow"), "the call");
        await peer.KillAsync();

        (await request.Invoking(r => r).Should().ThrowAsync<RequestInterruptedException>()).Which.Method.Should().Be("slow");
        client.PendingRequestCount.Should().Be(0);
    }

    [Fact]
    public async Task IdempotentRequestInFlightWhenTheLinkDrops_IsSentAgainOnTheNextConnection()
    {
        await using var peer = await ProtocolPeer.StartJsonRpcAsync();
        await using var client = CreateClient(peer);
        await client.StartAsync();

        var request = client.RequestAsync("slow", "[2000]"u8.ToArray(), new RequestOptions { Idempotent = true });
        await peer.WaitForAsync(l => l.Contains("CALL slow"), "the call");
        await peer.KillAsync();
        await peer.RestartAsync();

        Json(await request).Should().Be("\"slow done\"");
        peer.Count("CALL slow").Should().Be(2, "sent once per connection");
    }

    [Fact]
    public async Task ThousandConcurrentRequests_EachGetTheirOwnResponse()
    {
        await using var peer = await ProtocolPeer.StartJsonRpcAsync();
        await using var client = CreateClient(peer);
        await client.StartAsync();

        var requests = Enumerable.Range(0, 1000)
            .Select(i => Task.Run(() => client.RequestAsync("add", Encoding.UTF8.GetBytes($"[{i}, 1000000]"))))
            .ToArray();
        var results = await Task.WhenAll(requests).WaitAsync(TestTimeouts.Signal);

        for (var i = 0; i < results.Length; i++)
        {
            Json(results[i]).Should().Be((i + 1000000).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        client.PendingRequestCount.Should().Be(0);
    }
}
