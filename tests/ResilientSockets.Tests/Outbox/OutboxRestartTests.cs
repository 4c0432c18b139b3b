using System.Collections.Concurrent;
using FluentAssertions;
using ResilientSockets.Outbox;
using Sqlite = ResilientSockets.Outbox.Sqlite;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using ResilientSockets.Tests.Sessions;
using Xunit;
using Xunit.Abstractions;

namespace ResilientSockets.Tests.Outbox;

/// <summary>
/// A client that dies with messages in flight, and a new client on the same store: the new one resumes the session from
/// the outbox's checkpoint, so the server's application sees every durable message once, in order.
/// </summary>
[Collection(ProcessWideCollection.Name)]
public sealed class OutboxRestartTests(ITestOutputHelper output)
{
    private static ResilientWebSocket CreateClient(Uri uri, IOutboxStore store, int clientAckEvery = 32) => Sut.Create(uri, o =>
    {
        o.Session = new ReliableSessionOptions { AckEvery = clientAckEvery, AckDelay = TimeSpan.FromSeconds(5) };
        o.Outbox = new OutboxOptions { Store = store };
        o.CloseTimeout = TimeSpan.FromMilliseconds(200);
        o.Reconnect.Delay = TimeSpan.FromMilliseconds(5);
        o.Reconnect.MaxDelay = TimeSpan.FromMilliseconds(50);
    });

    private static Task<AspNetSessionHost> StartRecordingHostAsync(ConcurrentQueue<string> received, int port = 0, bool slowAcks = false)
        => AspNetSessionHost.StartAsync(
            port: port,
            configure: slowAcks ? o => { o.AckEvery = 65536; o.AckDelay = TimeSpan.FromSeconds(3); } : null,
            handler: async (session, ct) =>
        {
            await foreach (var message in session.ReadAllAsync(ct))
            {
                received.Enqueue(message.Text!);
            }
        });

    /// <summary>
    /// Sends <paramref name="delivered"/> messages the server gets, then black-holes the link and sends
    /// <paramref name="swallowed"/> more into it, then drops the client without a close the server sees: a crash with
    /// some messages delivered but not acknowledged and some written but never received.
    /// </summary>
    private static async Task CrashAfterAsync(ResilientWebSocket client, TcpFaultProxy proxy, ConcurrentQueue<string> received, int delivered, int swallowed, bool withTransients)
    {
        await client.StartAsync().WaitAsync(TestTimeouts.Signal);
        for (var i = 0; i < delivered; i++)
        {
            await client.SendTextAsync($"m{i}");
            if (withTransients && i % 3 == 0)
            {
                await client.SendTextAsync($"t{i}", new SendOptions { Transient = true });
            }
        }

        await Eventually.TrueAsync(() => received.Count(m => m[0] == 'm') >= delivered, "the first messages reached the server");
        proxy.BlackHoleExistingLinks();
        proxy.RefuseNewConnections();
        for (var i = delivered; i < delivered + swallowed; i++)
        {
            await client.SendTextAsync($"m{i}");
        }

        await client.DisposeAsync(); // its close frame goes into the black hole
        proxy.CutAll();
        proxy.AcceptNewConnections();
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task A_restarted_client_resumes_the_session_and_the_server_sees_each_durable_message_once_in_order(bool withTransients, bool slowAcks)
    {
        var received = new ConcurrentQueue<string>();
        await using var host = await StartRecordingHostAsync(received, slowAcks: slowAcks);
        await using var proxy = TcpFaultProxy.Start(host.Port);
        await using var store = new InMemoryOutboxStore();

        var first = CreateClient(proxy.Wrap(host.Uri), store);
        await CrashAfterAsync(first, proxy, received, delivered: 300, swallowed: 200, withTransients);
        var pendingAfterCrash = store.Count;
        pendingAfterCrash.Should().BeGreaterThanOrEqualTo(200, "the swallowed messages were never acknowledged");
        if (slowAcks)
        {
            pendingAfterCrash.Should().Be(500, "the server acknowledged nothing: the restarted client must learn from WELCOME which 300 it has");
        }

        await using var second = CreateClient(proxy.Wrap(host.Uri), store);
        await second.StartAsync().WaitAsync(TestTimeouts.Signal);
        await second.FlushAsync().WaitAsync(TestTimeouts.Signal);

        var durable = received.Where(m => m[0] == 'm').ToList();
        output.WriteLine($"pending after the crash {pendingAfterCrash}; server received {durable.Count} durable, {received.Count - durable.Count} transient; sessions {host.Sessions.Count}");
        durable.Should().Equal(Enumerable.Range(0, 500).Select(i => $"m{i}"), "every durable message exactly once, in order");
        host.Sessions.Should().HaveCount(1, "the restarted client resumed the session the first one had");
        store.Count.Should().Be(0);
        second.OutboxCount.Should().Be(0);
    }

    [Fact]
    public async Task When_the_server_lost_the_session_a_restarted_client_reports_it_and_sends_everything_pending_again()
    {
        var received = new ConcurrentQueue<string>();
        var host = await StartRecordingHostAsync(received);
        var port = host.Port;
        await using var proxy = TcpFaultProxy.Start(port);
        await using var store = new InMemoryOutboxStore();

        var first = CreateClient(proxy.Wrap(host.Uri), store);
        await CrashAfterAsync(first, proxy, received, delivered: 50, swallowed: 30, withTransients: false);
        var pending = (int)store.Count;
        await host.DisposeAsync();
        var again = new ConcurrentQueue<string>();
        await using var restarted = await StartRecordingHostAsync(again, port);

        await using var second = CreateClient(proxy.Wrap(restarted.Uri), store);
        var lost = new TaskCompletionSource<SessionLostEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        second.SessionLost += (_, e) => lost.TrySetResult(e);
        await second.StartAsync().WaitAsync(TestTimeouts.Signal);
        await second.FlushAsync().WaitAsync(TestTimeouts.Signal);

        var report = await lost.Task.WaitAsync(TestTimeouts.Signal);
        report.UnacknowledgedMessages.Should().Be(pending, "every pending message had been sent before the restart, so each may have been delivered");
        again.Should().Equal(Enumerable.Range(80 - pending, pending).Select(i => $"m{i}"), "the pending messages are sent again, in order, in the new session (at least once)");
        store.Count.Should().Be(0);
    }

    [Fact]
    public async Task Messages_stored_before_start_go_out_first_in_order_then_new_ones()
    {
        var received = new ConcurrentQueue<string>();
        await using var host = await StartRecordingHostAsync(received);
        await using var store = new InMemoryOutboxStore();
        await using (var offline = CreateClient(host.Uri, store))
        {
            for (var i = 0; i < 20; i++)
            {
                await offline.SendTextAsync($"m{i}"); // never started: stored, returned, not sent
            }

            offline.OutboxCount.Should().Be(20);
        }

        store.Count.Should().Be(20, "a client that is disposed keeps what it accepted in the store");
        await using var client = CreateClient(host.Uri, store);
        var start = client.StartAsync();
        await client.SendTextAsync("m20");
        await start.WaitAsync(TestTimeouts.Signal);
        await client.SendTextAsync("m21", new SendOptions { WaitForAcknowledgement = true }).AsTask().WaitAsync(TestTimeouts.Signal);
        await Eventually.TrueAsync(() => received.Count >= 22, "everything arrived");
        received.Should().Equal(Enumerable.Range(0, 22).Select(i => $"m{i}"));
        store.Count.Should().Be(0);
    }

    [Fact]
    public async Task A_client_restarted_on_a_reopened_SQLite_file_resumes_the_session_and_nothing_arrives_twice()
    {
        var directory = Path.Combine(Path.GetTempPath(), "rs-restart-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var path = Path.Combine(directory, "outbox.db");
            var received = new ConcurrentQueue<string>();
            await using var host = await StartRecordingHostAsync(received, slowAcks: true);
            await using var proxy = TcpFaultProxy.Start(host.Port);
            long pending;
            await using (var store = await Sqlite.SqliteOutboxStore.OpenAsync(new Sqlite.SqliteOutboxOptions { Path = path }))
            {
                var first = CreateClient(proxy.Wrap(host.Uri), store);
                await CrashAfterAsync(first, proxy, received, delivered: 300, swallowed: 200, withTransients: true);
                pending = store.Count;
            }

            await using (var store = await Sqlite.SqliteOutboxStore.OpenAsync(new Sqlite.SqliteOutboxOptions { Path = path }))
            {
                store.Count.Should().Be(pending);
                await using var second = CreateClient(proxy.Wrap(host.Uri), store);
                await second.StartAsync().WaitAsync(TestTimeouts.Signal);
                await second.FlushAsync().WaitAsync(TestTimeouts.Signal);
                second.OutboxCount.Should().Be(0);
                await Eventually.TrueAsync(() => store.Count == 0, "the removals, written in the background, reached the file");
            }

            output.WriteLine($"pending in the file after the crash: {pending}");
            received.Where(m => m[0] == 'm').Should().Equal(Enumerable.Range(0, 500).Select(i => $"m{i}"));
            host.Sessions.Should().HaveCount(1);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task After_a_restart_the_server_replays_what_the_earlier_process_had_not_acknowledged_and_delivery_goes_on_without_a_gap_error()
    {
        const int Count = 230; // the client acknowledges every 50: the last 30 are unacknowledged at the crash
        var serverSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var more = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await AspNetSessionHost.StartAsync(configure: o => o.AckDelay = TimeSpan.FromSeconds(3), handler: async (session, ct) =>
        {
            for (var i = 0; i < Count; i++)
            {
                await session.SendTextAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
            }

            serverSent.TrySetResult();
            await more.Task.WaitAsync(ct);
            for (var i = Count; i < Count + 10; i++)
            {
                await session.SendTextAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
            }

            await Task.Delay(Timeout.Infinite, ct);
        });
        await using var proxy = TcpFaultProxy.Start(host.Port);
        await using var store = new InMemoryOutboxStore();

        var first = CreateClient(proxy.Wrap(host.Uri), store, clientAckEvery: 50);
        var firstReader = first.CreateReader();
        await first.StartAsync().WaitAsync(TestTimeouts.Signal);
        var seen = await firstReader.TakeTextsAsync(Count).WaitAsync(TestTimeouts.Signal);
        await serverSent.Task.WaitAsync(TestTimeouts.Signal);
        var session = await host.SingleSessionAsync();
        await Eventually.TrueAsync(() => session.MessagesAcknowledged >= 200, "the client's acks up to 200 reached the server");
        proxy.BlackHoleExistingLinks();
        await first.SendTextAsync("pending"); // into the black hole: the outbox is not empty, so the stop keeps the session
        await first.DisposeAsync();
        proxy.CutAll();

        await using var second = CreateClient(proxy.Wrap(host.Uri), store, clientAckEvery: 50);
        var secondReader = second.CreateReader();
        var faulted = false;
        second.StateChanged += (_, e) => faulted |= e.State == ConnectionState.Faulted;
        await second.StartAsync().WaitAsync(TestTimeouts.Signal);
        more.TrySetResult();
        var replayedAndNew = new List<string>();
        while (replayedAndNew.Count == 0 || replayedAndNew[^1] != (Count + 9).ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            replayedAndNew.AddRange(await secondReader.TakeTextsAsync(1).WaitAsync(TestTimeouts.Signal));
        }

        seen.Should().Equal(Enumerable.Range(0, Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var numbers = replayedAndNew.Select(int.Parse).ToList();
        numbers.Should().Equal(Enumerable.Range(numbers[0], numbers.Count), "delivery goes on in order from the first DATA after the restart, without a gap");
        numbers[0].Should().Be(200, "the earlier process acknowledged sequences 1-200 (messages 0-199, every 50); the server replays the 30 after them, and nothing is skipped");
        output.WriteLine($"the restarted client got {numbers.Count} messages from {numbers[0]} (the earlier process had acknowledged up to {numbers[0] - 1})");
        faulted.Should().BeFalse();
        host.Sessions.Should().HaveCount(1);
    }
}
