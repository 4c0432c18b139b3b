using System.Net.WebSockets;
using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Receiving;

/// <summary>Readers created before they are read, held messages, per-reader settings, leased reads, ends of readers.</summary>
public sealed class ReaderTests
{
    [Fact]
    public async Task A_reply_that_arrives_before_anyone_reads_is_held_for_the_first_reader()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/echo"));
        await client.StartAsync();

        await client.SendTextAsync("request");
        await Eventually.TrueAsync(() => client.UnclaimedCount == 1, "the reply is held");

        using var cts = new CancellationTokenSource(TestTimeouts.Signal);
        await using var stream = client.ReadAllAsync(cts.Token).GetAsyncEnumerator();
        (await stream.MoveNextAsync()).Should().BeTrue();
        stream.Current.Text.Should().Be("request");
        client.UnclaimedCount.Should().Be(0);
    }

    [Fact]
    public async Task A_reader_created_before_it_is_enumerated_sees_everything_from_its_creation()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/echo"));
        await client.StartAsync();
        using var first = client.CreateReader();
        using var second = client.CreateReader(new ReaderOptions { Name = "second" });

        for (var i = 0; i < 5; i++)
        {
            await client.SendTextAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        (await first.TakeTextsAsync(5)).Should().Equal("0", "1", "2", "3", "4");
        (await second.TakeTextsAsync(5)).Should().Equal("0", "1", "2", "3", "4");
        second.Name.Should().Be("second");
        first.Name.Should().StartWith("reader-");
    }

    [Fact]
    public async Task Held_messages_go_to_the_first_reader_only_and_a_later_reader_starts_at_its_creation()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/echo"));
        await client.StartAsync();
        await client.SendTextAsync("held");
        await Eventually.TrueAsync(() => client.UnclaimedCount == 1, "the reply is held");

        using var first = client.CreateReader();
        using var later = client.CreateReader();
        await client.SendTextAsync("after");

        (await first.TakeTextsAsync(2)).Should().Equal("held", "after");
        (await later.TakeTextsAsync(1)).Should().Equal("after");
    }

    [Fact]
    public async Task Messages_are_not_held_while_a_handler_is_attached()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/echo"));
        var handled = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.MessageReceived += (m, _) => { handled.TrySetResult(m.Text); return ValueTask.CompletedTask; };
        await client.StartAsync();

        await client.SendTextAsync("to the handler");

        (await handled.Task.WaitAsync(TestTimeouts.Signal)).Should().Be("to the handler");
        client.UnclaimedCount.Should().Be(0);
    }

    [Fact]
    public async Task Each_reader_has_its_own_policy_and_drops_name_the_reader()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/echo"));
        var drops = new List<MessageDroppedEventArgs>();
        client.MessageDropped += (_, e) => { lock (drops) { drops.Add(e); } };
        await client.StartAsync();
        using var lossy = client.CreateReader(new ReaderOptions { Name = "ticker", Capacity = 2, OverflowPolicy = OverflowPolicy.DropOldest });
        using var complete = client.CreateReader(new ReaderOptions { Name = "audit", Capacity = 2, OverflowPolicy = OverflowPolicy.Wait });

        for (var i = 0; i < 6; i++)
        {
            await client.SendTextAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        (await complete.TakeTextsAsync(6)).Should().Equal("0", "1", "2", "3", "4", "5");
        (await lossy.TakeTextsAsync(2)).Should().Equal("4", "5");
        await Eventually.TrueAsync(() => { lock (drops) { return drops.Count == 4; } }, "four drop events");
        drops.Should().OnlyContain(d => d.ReaderName == "ticker" && d.Direction == MessageDirection.Inbound && d.Reason == MessageDropReason.Overflow);
        lossy.Capacity.Should().Be(2);
        lossy.OverflowPolicy.Should().Be(OverflowPolicy.DropOldest);
    }

    [Fact]
    public async Task A_reader_rejecting_when_full_keeps_what_it_has_and_the_others_get_everything()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/echo"));
        var dropped = 0;
        client.MessageDropped += (_, e) => { if (e.ReaderName == "strict") { Interlocked.Increment(ref dropped); } };
        await client.StartAsync();
        using var strict = client.CreateReader(new ReaderOptions { Name = "strict", Capacity = 1, OverflowPolicy = OverflowPolicy.Reject });
        using var all = client.CreateReader();

        for (var i = 0; i < 3; i++)
        {
            await client.SendTextAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        (await all.TakeTextsAsync(3)).Should().Equal("0", "1", "2");
        (await strict.TakeTextsAsync(1)).Should().Equal("0");
        await Eventually.TrueAsync(() => Volatile.Read(ref dropped) == 2, "two drops");
        strict.Count.Should().Be(0);
    }

    [Fact]
    public void Invalid_reader_options_are_refused_with_every_problem_named()
    {
        using var client = new ResilientWebSocket(new Uri("ws://127.0.0.1:1/"));

        var act = () => client.CreateReader(new ReaderOptions { Capacity = 0, OverflowPolicy = (OverflowPolicy)42, Name = string.Empty });

        act.Should().Throw<ArgumentException>()
            .Which.Message.Should().Contain("Capacity").And.Contain("OverflowPolicy").And.Contain("Name");
    }

    [Fact]
    public async Task A_leased_reader_gets_every_message_and_its_payloads_are_valid_until_it_moves_on()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/echo"));
        await client.StartAsync();
        using var reader = client.CreateReader();
        using var copies = client.CreateReader();
        using var cts = new CancellationTokenSource(TestTimeouts.Signal);
        await using var leased = reader.ReadAllLeasedAsync(cts.Token).GetAsyncEnumerator();
        var first = leased.MoveNextAsync(); // starts the leased enumeration, so the loop pools from here on

        var expected = Enumerable.Range(0, 200).Select(i => new string((char)('a' + (i % 26)), 1 + (i % 50))).ToArray();
        foreach (var text in expected)
        {
            await client.SendTextAsync(text);
        }

        var seen = new List<string>();
        (await first).Should().BeTrue();
        seen.Add(leased.Current.Text);
        while (seen.Count < expected.Length && await leased.MoveNextAsync())
        {
            seen.Add(leased.Current.Text);
        }

        seen.Should().Equal(expected);
        (await copies.TakeTextsAsync(expected.Length)).Should().Equal(expected, "a copying reader beside a leased one gets payloads of its own");
    }

    [Fact]
    public async Task A_reader_wakes_once_for_a_burst_that_is_already_waiting()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.Map("/burst", new ServerRoute
        {
            OnMessage = async (c, m) =>
            {
                for (var i = 0; i < 100; i++)
                {
                    await c.SendTextAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
            },
        });
        await using var client = Sut.Create(server.GetUri("/burst"));
        await client.StartAsync();
        using var reader = client.CreateReader();

        await client.SendTextAsync("go");
        await Eventually.TrueAsync(() => reader.Count == 100, "the burst is waiting");
        var texts = await reader.TakeTextsAsync(100);

        texts.Should().HaveCount(100);
        reader.Queue.WakeUps.Should().Be(0, "the messages were already waiting, so the reader never had to be woken");
    }

    [Fact]
    public async Task Reading_from_a_disposed_client_throws_ObjectDisposedException()
    {
        var client = new ResilientWebSocket(new Uri("ws://127.0.0.1:1/"));
        await client.DisposeAsync();

        var create = () => client.CreateReader();
        create.Should().Throw<ObjectDisposedException>();
        var read = async () => { await foreach (var _ in client.ReadAllAsync()) { } };
        await read.Should().ThrowAsync<ObjectDisposedException>();
    }

    [Fact]
    public async Task A_stopped_client_hands_what_it_held_to_a_new_reader_and_then_ends_it()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/echo"));
        await client.StartAsync();
        using var early = client.CreateReader();
        await client.SendTextAsync("kept");
        await Eventually.TrueAsync(() => early.Count == 1, "the echo is waiting");

        await client.StopAsync();

        (await early.TakeTextsAsync(5)).Should().Equal(["kept"], "a reader yields what it still holds, then ends");
        using var late = client.CreateReader();
        (await late.WaitToReadAsync()).Should().BeFalse("a reader created after the stop ends at once");
    }

    [Fact]
    public async Task WaitUntilOpenAsync_completes_at_once_when_open_and_again_after_a_drop()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/echo"));
        var states = new StateRecorder(client);
        var beforeStart = client.WaitUntilOpenAsync();
        beforeStart.IsCompleted.Should().BeFalse();
        await client.StartAsync();
        await beforeStart.WaitAsync(TestTimeouts.Signal);
        client.WaitUntilOpenAsync().IsCompleted.Should().BeTrue();

        await server.StopAsync();
        await states.WaitForAsync(ConnectionState.Reconnecting);
        var next = client.WaitUntilOpenAsync();
        next.IsCompleted.Should().BeFalse("the server is down");
        await server.RestartAsync();

        await next.WaitAsync(TestTimeouts.Signal);
        client.State.Should().Be(ConnectionState.Open);
    }

    [Fact]
    public async Task WaitUntilOpenAsync_fails_when_the_client_stops_and_honours_cancellation()
    {
        await using var client = Sut.Create(new Uri("ws://127.0.0.1:1/"), o => o.Reconnect.MaxAttempts = null);
        using var cts = new CancellationTokenSource();
        var cancelled = client.WaitUntilOpenAsync(cts.Token);
        var stopped = client.WaitUntilOpenAsync();
        _ = client.StartAsync();

        cts.Cancel();
        await cancelled.Invoking(t => t.WaitAsync(TestTimeouts.Signal)).Should().ThrowAsync<OperationCanceledException>();
        await client.StopAsync();
        (await stopped.Invoking(t => t.WaitAsync(TestTimeouts.Signal)).Should().ThrowAsync<ResilientWebSocketException>())
            .Which.Message.Should().Contain("will not open again");
    }
}
