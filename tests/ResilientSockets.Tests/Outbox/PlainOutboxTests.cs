using FluentAssertions;
using ResilientSockets.Outbox;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Outbox;

/// <summary>The outbox without a session: a message leaves the store once written.</summary>
[Collection(ProcessWideCollection.Name)]
public sealed class PlainOutboxTests
{
    private static ResilientWebSocket CreateClient(Uri uri, IOutboxStore store, Action<ResilientWebSocketOptions>? configure = null) => Sut.Create(uri, o =>
    {
        o.Outbox = new OutboxOptions { Store = store };
        o.Reconnect.Delay = TimeSpan.FromMilliseconds(5);
        o.Reconnect.MaxDelay = TimeSpan.FromMilliseconds(50);
        configure?.Invoke(o);
    });

    [Fact]
    public async Task Messages_accepted_while_the_server_is_down_are_written_in_order_when_it_returns_and_leave_the_store()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var uri = server.GetUri();
        await server.StopAsync();
        await using var store = new InMemoryOutboxStore();
        await using var client = CreateClient(uri, store);
        var start = client.StartAsync();
        for (var i = 0; i < 300; i++)
        {
            await client.SendTextAsync($"m{i}").AsTask().WaitAsync(TestTimeouts.Signal); // returns once stored, with no server
        }

        store.Count.Should().Be(300);
        client.State.Should().NotBe(ConnectionState.Open);

        await server.RestartAsync();
        await start.WaitAsync(TestTimeouts.Signal);
        await client.FlushAsync().WaitAsync(TestTimeouts.Signal);

        store.Count.Should().Be(0, "a written message leaves the store");
        client.OutboxCount.Should().Be(0);
        await server.WaitUntilAsync(s => s.ReceivedCount >= 300, TestTimeouts.Signal);
        server.ReceivedMessages.Select(m => m.Text).Should().Equal(Enumerable.Range(0, 300).Select(i => $"m{i}"));
    }

    [Fact]
    public async Task WaitForAcknowledgement_without_a_session_completes_when_the_message_is_written()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var store = new InMemoryOutboxStore();
        await using var client = CreateClient(server.GetUri(), store);
        await client.StartAsync().WaitAsync(TestTimeouts.Signal);

        await client.SendTextAsync("one", new SendOptions { WaitForAcknowledgement = true }).AsTask().WaitAsync(TestTimeouts.Signal);

        client.OutboxCount.Should().Be(0);
        store.Count.Should().Be(0);
        await server.WaitUntilAsync(s => s.ReceivedCount >= 1, TestTimeouts.Signal);
    }

    [Fact]
    public async Task Stopping_keeps_every_unsent_message_in_the_store_and_a_waiting_flush_is_told_why()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var uri = server.GetUri();
        await server.StopAsync();
        await using var store = new InMemoryOutboxStore();
        var client = CreateClient(uri, store);
        _ = client.StartAsync();
        await client.SendTextAsync("kept 1");
        await client.SendTextAsync("kept 2");
        var flush = client.FlushAsync();

        await client.DisposeAsync();

        var error = await FluentActions.Awaiting(() => flush.WaitAsync(TestTimeouts.Signal)).Should().ThrowAsync<Exception>();
        error.Which.Should().Match<Exception>(e => e is MessageNotSentException || e is ObjectDisposedException);
        (await store.LoadPendingAsync()).Select(r => System.Text.Encoding.UTF8.GetString(r.Payload.Span)).Should().Equal("kept 1", "kept 2");
    }
}
