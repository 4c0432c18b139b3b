using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Receiving;

public sealed class ReadAllTests
{
    private static async Task<List<string>> TakeAsync(IAsyncEnumerator<WebSocketMessage> reader, int count)
    {
        var texts = new List<string>();
        while (texts.Count < count && await reader.MoveNextAsync().AsTask().WaitAsync(TestTimeouts.Signal))
        {
            texts.Add(reader.Current.Text);
        }

        return texts;
    }

    [Fact]
    public async Task Every_reader_gets_every_message_and_the_stream_continues_across_reconnects()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/echo"));
        var states = new StateRecorder(client);
        await using var a = client.ReadAllAsync().GetAsyncEnumerator();
        await using var b = client.ReadAllAsync().GetAsyncEnumerator();
        var aFirst = a.MoveNextAsync();
        var bFirst = b.MoveNextAsync();
        await client.StartAsync();

        await client.SendTextAsync("1");
        (await aFirst).Should().BeTrue();
        (await bFirst).Should().BeTrue();
        server.AbortAll();
        await states.WaitForAsync(ConnectionState.Open, 2);
        await client.SendTextAsync("2");

        a.Current.Text.Should().Be("1");
        b.Current.Text.Should().Be("1");
        (await TakeAsync(a, 1)).Should().Equal("2");
        (await TakeAsync(b, 1)).Should().Equal("2");
    }

    [Fact]
    public async Task Readers_end_when_the_client_stops_and_a_late_reader_ends_at_once()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/echo"));
        await using var reader = client.ReadAllAsync().GetAsyncEnumerator();
        var pending = reader.MoveNextAsync().AsTask();
        await client.StartAsync();

        await client.StopAsync();

        (await pending.WaitAsync(TestTimeouts.Signal)).Should().BeFalse();
        await using var late = client.ReadAllAsync().GetAsyncEnumerator();
        (await late.MoveNextAsync()).Should().BeFalse();
    }

    [Fact]
    public async Task Readers_of_a_faulted_client_throw_the_cause()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/echo"), o => o.Reconnect.ShouldStopOnClose = (status, _) => (int?)status == 4001);
        await using var reader = client.ReadAllAsync().GetAsyncEnumerator();
        var pending = reader.MoveNextAsync().AsTask();
        await client.StartAsync();

        await server.CloseAllAsync((System.Net.WebSockets.WebSocketCloseStatus)4001, "banned");

        var error = (await pending.Invoking(t => t.WaitAsync(TestTimeouts.Signal)).Should().ThrowAsync<ResilientWebSocketException>()).Which;
        error.Message.Should().Contain("4001");
        client.State.Should().Be(ConnectionState.Faulted);
    }

    [Fact]
    public async Task A_throwing_message_handler_is_logged_and_the_receive_loop_carries_on()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var logger = new CapturingLogger();
        await using var client = Sut.Create(server.GetUri("/echo"), logger: logger);
        var calls = 0;
        client.MessageReceived += (_, _) => Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("handler bug") : ValueTask.CompletedTask;
        await using var reader = client.ReadAllAsync().GetAsyncEnumerator();
        var pending = TakeAsync(reader, 2);
        await client.StartAsync();

        await client.SendTextAsync("a");
        await client.SendTextAsync("b");

        (await pending).Should().Equal("a", "b");
        calls.Should().Be(2);
        logger.Entries.Should().Contain(e => e.Id.Name == "HandlerFailed" && e.Text.Contains("handler bug"));
        client.State.Should().Be(ConnectionState.Open);
    }

    [Fact]
    public async Task A_reader_with_DropOldest_loses_only_its_own_backlog_and_reports_it()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/echo"), o =>
        {
            o.Receiving.ReaderCapacity = 2;
            o.Receiving.ReaderOverflowPolicy = OverflowPolicy.DropOldest;
        });
        var drops = 0;
        client.MessageDropped += (_, e) => { if (e.Direction == MessageDirection.Inbound) { Interlocked.Increment(ref drops); } };
        var all = new List<string>();
        var fourth = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.MessageReceived += (m, _) => { lock (all) { all.Add(m.Text); if (all.Count == 4) { fourth.TrySetResult(); } } return ValueTask.CompletedTask; };
        await using var slow = client.ReadAllAsync().GetAsyncEnumerator();
        var firstRead = slow.MoveNextAsync().AsTask();
        await client.StartAsync();
        await client.SendTextAsync("1");
        (await firstRead).Should().BeTrue();

        foreach (var text in new[] { "2", "3", "4" })
        {
            await client.SendTextAsync(text);
        }

        await fourth.Task.WaitAsync(TestTimeouts.Signal);
        (await TakeAsync(slow, 2)).Should().Equal("3", "4");
        all.Should().Equal("1", "2", "3", "4");
        await client.DisposeAsync();
        drops.Should().Be(1);
    }
}
