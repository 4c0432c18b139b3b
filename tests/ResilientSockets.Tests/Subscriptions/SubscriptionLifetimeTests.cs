using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Subscriptions;

/// <summary>Pending requests and routes stay bounded and are cleaned up on timeout, cancel and dispose; options are validated.</summary>
public sealed class SubscriptionLifetimeTests
{
    private static ResilientWebSocket CreateClient(LoopbackWebSocketServer server, TimeProvider? time = null, Action<SubscriptionOptions>? configure = null)
    {
        var subscriptions = new SubscriptionOptions { Protocol = new TopicJsonProtocol() };
        configure?.Invoke(subscriptions);
        return Sut.Create(server.GetUri("/sink"), o =>
        {
            o.Subscriptions = subscriptions;
            if (time is not null)
            {
                o.TimeProvider = time;
            }
        });
    }

    [Fact]
    public async Task RequestsThatTimeOutOrAreCancelled_LeaveNothingPending()
    {
        var time = new FakeTimeProvider();
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.Map("/sink", ServerRoute.Sink());
        await using var client = CreateClient(server, time);
        await client.StartAsync();
        using var cts = new CancellationTokenSource();

        var timingOut = Enumerable.Range(0, 100).Select(_ => client.RequestAsync("never", default, new RequestOptions { Timeout = TimeSpan.FromSeconds(1) })).ToArray();
        var cancelled = Enumerable.Range(0, 100).Select(_ => client.RequestAsync("never", default, cancellationToken: cts.Token)).ToArray();
        await server.WaitUntilAsync(s => s.ReceivedCount == 200, TestTimeouts.Signal);
        client.PendingRequestCount.Should().Be(200);

        time.Advance(TimeSpan.FromSeconds(1));
        cts.Cancel();

        foreach (var request in timingOut)
        {
            await request.Invoking(r => r).Should().ThrowAsync<TimeoutException>();
        }

        foreach (var request in cancelled)
        {
            await request.Invoking(r => r).Should().ThrowAsync<OperationCanceledException>();
        }

        client.PendingRequestCount.Should().Be(0);
    }

    [Fact]
    public async Task DisposingTheClient_FailsPendingRequests_AndEndsEverySubscription()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.Map("/sink", ServerRoute.Sink());
        var client = CreateClient(server);
        await client.StartAsync();
        var subscription = client.Subscribe("t");
        var request = client.RequestAsync("never", default);
        await server.WaitUntilAsync(s => s.ReceivedCount == 2, TestTimeouts.Signal);

        await client.DisposeAsync();

        await request.Invoking(r => r).Should().ThrowAsync<ResilientWebSocketException>().WithMessage("*stopped*");
        (await subscription.WaitToReadAsync().AsTask().WaitAsync(TestTimeouts.Signal)).Should().BeFalse("the stream ends when the client stops");
        client.PendingRequestCount.Should().Be(0);
        client.SubscribedTopicCount.Should().Be(0);
    }

    [Fact]
    public async Task LeavingEveryTopic_RemovesEveryRoute_AndSendsOneUnsubscribePerTopic()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.Map("/sink", ServerRoute.Sink());
        await using var client = CreateClient(server);
        await client.StartAsync();

        var readers = Enumerable.Range(0, 50).SelectMany(i => new[] { client.Subscribe($"t{i}"), client.Subscribe($"t{i}") }).ToList();
        await server.WaitUntilAsync(s => s.ReceivedCount == 50, TestTimeouts.Signal);
        client.SubscribedTopicCount.Should().Be(50);
        readers.ForEach(r => r.Dispose());

        await server.WaitUntilAsync(s => s.ReceivedCount == 100, TestTimeouts.Signal);
        client.SubscribedTopicCount.Should().Be(0);
        server.ReceivedMessages.Count(m => m.Text.Contains("\"unsubscribe\"", StringComparison.Ordinal)).Should().Be(50);
    }

    [Fact]
    public async Task MoreRequestsThanMaxPendingRequests_FailAtOnce()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.Map("/sink", ServerRoute.Sink());
        await using var client = CreateClient(server, configure: s => s.MaxPendingRequests = 2);
        await client.StartAsync();
        _ = client.RequestAsync("a", default);
        _ = client.RequestAsync("b", default);

        var act = () => client.RequestAsync("c", default);

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*MaxPendingRequests*");
    }

    [Fact]
    public void SubscribeWithoutSubscriptionOptions_ThrowsAndSaysWhatToSet()
    {
        using var client = new ResilientWebSocket(new Uri("ws://127.0.0.1:1/"));

        var act = () => client.Subscribe("t");

        act.Should().Throw<InvalidOperationException>().WithMessage("*ResilientWebSocketOptions.Subscriptions*");
    }

    [Fact]
    public void InvalidSubscriptionOptions_AreAllListedInOneException()
    {
        var options = new ResilientWebSocketOptions
        {
            Uri = new Uri("ws://127.0.0.1:1/"),
            Subscriptions = new SubscriptionOptions { RequestTimeout = TimeSpan.Zero, MaxTopics = 0 },
        };

        var act = () => options.Validate();

        act.Should().Throw<ArgumentException>()
            .WithMessage("*Subscriptions.Protocol*").And.Message.Should().Contain("RequestTimeout").And.Contain("MaxTopics");
    }
}
