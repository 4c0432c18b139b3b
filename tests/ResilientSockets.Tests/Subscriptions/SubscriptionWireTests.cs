using System.Text;
using System.Text.Json;
using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Subscriptions;

/// <summary>Routing, ordering and bad input on a real loopback server speaking the <c>{type, topic}</c> protocol (and a scripted graphql-ws subset).</summary>
public sealed class SubscriptionWireTests
{
    private static ResilientWebSocket CreateClient(LoopbackWebSocketServer server, string path, CapturingLogger? logger = null, Action<ResilientWebSocketOptions>? configure = null)
        => Sut.Create(server.GetUri(path), o =>
        {
            o.Subscriptions = new SubscriptionOptions { Protocol = new TopicJsonProtocol() };
            configure?.Invoke(o);
        }, logger);

    private static string TypeOf(ReceivedMessage message)
    {
        try
        {
            using var json = JsonDocument.Parse(message.Data);
            return json.RootElement.TryGetProperty("type", out var type) ? type.GetString() ?? string.Empty : string.Empty;
        }
        catch (JsonException)
        {
            return string.Empty;
        }
    }

    private static string Field(ReceivedMessage message, string name)
    {
        using var json = JsonDocument.Parse(message.Data);
        return json.RootElement.GetProperty(name).GetString()!;
    }

    private static async Task<WebSocketMessage> ReadOneAsync(WebSocketMessageReader reader)
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Signal);
        await foreach (var message in reader.ReadAllAsync(cts.Token))
        {
            return message;
        }

        throw new InvalidOperationException("The reader ended without a message.");
    }

    [Fact]
    public async Task AfterAReconnect_SubscriptionsAreRestoredAfterTheOnConnectedHook_AndBeforeQueuedSends()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.Map("/topics", ServerRoute.Sink());
        var reconnecting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var proceed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = CreateClient(server, "/topics", configure: o =>
        {
            o.OnConnecting = async (ctx, ct) =>
            {
                if (ctx.IsReconnect)
                {
                    reconnecting.TrySetResult();
                    await proceed.Task.WaitAsync(ct);
                }
            };
            o.OnConnected = (ctx, ct) => ctx.SendTextAsync("auth", ct);
        });
        await client.StartAsync();
        using var prices = client.Subscribe("prices");
        await server.WaitUntilAsync(s => s.ReceivedMessages.Any(m => TypeOf(m) == "subscribe"), TestTimeouts.Signal);

        server.AbortAll();
        await reconnecting.Task.WaitAsync(TestTimeouts.Signal);
        var queued = client.SendTextAsync("queued").AsTask();
        proceed.SetResult();
        await queued.WaitAsync(TestTimeouts.Signal);

        // Written is not yet read by the server: wait until the second connection has recorded all three.
        await server.WaitUntilAsync(s => s.Connections.Count >= 2 && s.Connections[1].Received.Count >= 3, TestTimeouts.Signal);
        var second = server.Connections[1].Received.Select(m => m.Text).ToArray();
        second.Should().Equal("auth", "{\"type\":\"subscribe\",\"topic\":\"prices\"}", "queued");
    }

    [Fact]
    public async Task EventsGoToTheirTopicsConsumers_AndMessagesNoRouteClaims_GoToTheOrdinaryReaders()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.Map("/topics", new ServerRoute
        {
            OnMessage = async (c, m) =>
            {
                if (m.Text == "go")
                {
                    await c.SendTextAsync("{\"type\":\"event\",\"topic\":\"b\",\"data\":2}");
                    await c.SendTextAsync("plain text");
                    await c.SendTextAsync("{\"type\":\"event\",\"topic\":\"a\",\"data\":{\"x\":1}}");
                }
            },
        });
        await using var client = CreateClient(server, "/topics");
        await client.StartAsync();
        using var others = client.CreateReader();
        using var a = client.Subscribe("a");

        await client.SendTextAsync("go");

        (await ReadOneAsync(a)).Text.Should().Be("{\"x\":1}", "a consumer receives the event's data");
        var unclaimed = new[] { (await ReadOneAsync(others)).Text, (await ReadOneAsync(others)).Text };
        unclaimed.Should().Equal("{\"type\":\"event\",\"topic\":\"b\",\"data\":2}", "plain text");
        others.Count.Should().Be(0, "the routed event is not also delivered to the ordinary readers");
    }

    [Fact]
    public async Task ResponsesWithUnknownOrDuplicateIds_AreLoggedAndDropped_AndTheRequestGetsItsOwn()
    {
        var logger = new CapturingLogger();
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.Map("/topics", new ServerRoute
        {
            OnMessage = async (c, m) =>
            {
                if (TypeOf(m) == "request")
                {
                    var id = Field(m, "id");
                    await c.SendTextAsync("{\"type\":\"response\",\"id\":\"nobody\",\"result\":0}");
                    await c.SendTextAsync($"{{\"type\":\"response\",\"id\":\"{id}\",\"result\":42}}");
                    await c.SendTextAsync($"{{\"type\":\"response\",\"id\":\"{id}\",\"result\":43}}");
                    await c.SendTextAsync("marker");
                }
            },
        });
        await using var client = CreateClient(server, "/topics", logger);
        await client.StartAsync();
        using var others = client.CreateReader();

        var result = await client.RequestAsync("answer", default);

        Encoding.UTF8.GetString(result.Span).Should().Be("42");
        (await ReadOneAsync(others)).Text.Should().Be("marker", "responses nobody waits for are never delivered as stray messages");
        logger.Entries.Count(e => e.Id.Id == 33).Should().Be(2, "the unknown id and the duplicate are each logged");
        client.PendingRequestCount.Should().Be(0);
    }

    [Fact]
    public async Task RefusedSubscription_EndsTheStreamWithTheServersError_AndOtherTopicsCarryOn()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.Map("/topics", new ServerRoute
        {
            OnMessage = async (c, m) =>
            {
                if (TypeOf(m) == "subscribe" && Field(m, "topic") == "secret")
                {
                    await c.SendTextAsync("{\"type\":\"error\",\"topic\":\"secret\",\"message\":\"not allowed\"}");
                    await c.SendTextAsync("{\"type\":\"event\",\"topic\":\"open\",\"data\":1}");
                }
            },
        });
        await using var client = CreateClient(server, "/topics");
        await client.StartAsync();
        using var open = client.Subscribe("open");
        using var secret = client.Subscribe("secret");

        var act = () => ReadOneAsync(secret);

        (await act.Should().ThrowAsync<SubscriptionRefusedException>()).Which.ServerMessage.Should().Be("not allowed");
        (await ReadOneAsync(open)).Text.Should().Be("1");
        client.SubscribedTopicCount.Should().Be(1);
    }

    [Fact]
    public async Task MalformedGraphQLWsMessages_AreLoggedAndDropped_AndServerPingsAreAnsweredWithPong()
    {
        var logger = new CapturingLogger();
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.Map("/graphql", new ServerRoute
        {
            OnMessage = async (c, m) =>
            {
                if (TypeOf(m) == "connection_init")
                {
                    await c.SendTextAsync("{\"type\":\"connection_ack\"}");
                    await c.SendTextAsync("not json at all");
                    await c.SendTextAsync("{\"type\":\"next\",\"payload\":{}}");
                    await c.SendTextAsync("[1,2]");
                    await c.SendTextAsync("{\"type\":\"ping\"}");
                }
            },
        });
        await using var client = Sut.Create(server.GetUri("/graphql"), o => o.Subscriptions = new SubscriptionOptions { Protocol = new GraphQLWsProtocol() }, logger);
        await client.StartAsync();

        await server.WaitUntilAsync(s => s.ReceivedMessages.Any(m => TypeOf(m) == "pong"), TestTimeouts.Signal);

        logger.Entries.Count(e => e.Id.Id == 34).Should().Be(3, "each malformed message is logged once");
        client.State.Should().Be(ConnectionState.Open, "bad input does not take the connection down");
        client.UnclaimedCount.Should().Be(0, "protocol messages are never held for ordinary readers");
    }
}
