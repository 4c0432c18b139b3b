using System.Net.WebSockets;

namespace ResilientSockets.Server.Tests;

public sealed class ResumeTests
{
    [Fact]
    public async Task After_a_drop_both_sides_replay_what_the_other_lacks_exactly_once_and_the_handler_runs_once()
    {
        var received = new List<string>();
        var handlerRuns = 0;
        var allReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await SessionServer.StartAsync(async (session, ct) =>
        {
            Interlocked.Increment(ref handlerRuns);
            for (var i = 1; i <= 5; i++)
            {
                await session.SendTextAsync($"s{i}", ct);
            }

            await foreach (var message in session.ReadAllAsync(ct))
            {
                received.Add(message.Text);
                if (received.Count == 4)
                {
                    allReceived.TrySetResult();
                }
            }
        }, o => o.AckEvery = 1);

        // First connection: receives server messages 1..3, acknowledges only 2, sends 1..3, then the link is cut.
        var (first, welcome) = await RawSessionClient.StartAsync(server.Uri);
        var id = welcome.SessionId;
        var fromServer = new List<ulong>();
        while (fromServer.Count < 3)
        {
            var frame = await first.ReceiveUntilAsync(SessionFrameKind.Data);
            fromServer.Add(frame.Header.Value);
        }

        await first.SendControlAsync(SessionFrameKind.Ack, 2);
        for (var i = 1UL; i <= 3; i++)
        {
            await first.SendDataAsync(i, $"c{i}");
        }

        var session = await server.SingleSessionAsync();
        await Eventually.TrueAsync(() => session.MessagesReceived == 3 && session.MessagesAcknowledged == 2, "the server delivered 3 and saw ACK 2");
        first.Abort();
        await Eventually.TrueAsync(() => session.State == ResilientSessionState.Detached, "the session detached");

        // Second connection: the client says it received 3; the server says it received 3 and replays 4 and 5.
        var (second, resumed) = await RawSessionClient.StartAsync(server.Uri, id, lastReceived: 3);
        await using var _ = second;
        resumed.Resumed.Should().BeTrue();
        resumed.SessionId.Should().Be(id);
        resumed.Value.Should().Be(3);
        (await second.ReceiveUntilAsync(SessionFrameKind.Data)).Header.Value.Should().Be(4);
        (await second.ReceiveUntilAsync(SessionFrameKind.Data)).Header.Value.Should().Be(5);

        // The client replays 3 (a duplicate: dropped but acknowledged), then sends 4.
        await second.SendDataAsync(3, "c3");
        await second.SendDataAsync(4, "c4");
        await allReceived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var ack = await second.ReceiveUntilAsync(SessionFrameKind.Ack);
        while (ack.Header.Value < 4)
        {
            ack = await second.ReceiveUntilAsync(SessionFrameKind.Ack);
        }

        received.Should().Equal("c1", "c2", "c3", "c4");
        handlerRuns.Should().Be(1);
        session.Resumes.Should().Be(1);
        session.MessagesReplayed.Should().Be(2, "4 and 5 had been written to the first connection; HELLO acknowledged 3");
    }

    [Fact]
    public async Task A_new_hello_for_an_attached_session_replaces_and_aborts_the_old_connection()
    {
        await using var server = await SessionServer.StartAsync(SessionServer.Echo);
        var (first, welcome) = await RawSessionClient.StartAsync(server.Uri);
        await using var _ = first;

        var (second, resumed) = await RawSessionClient.StartAsync(server.Uri, welcome.SessionId, 0);
        await using var __ = second;

        resumed.Resumed.Should().BeTrue();
        await first.Awaiting(c => c.ReceiveAsync()).Should().ThrowAsync<WebSocketException>("the server aborted the replaced connection");
        await second.SendControlAsync(SessionFrameKind.Ping, 9);
        (await second.ReceiveUntilAsync(SessionFrameKind.Pong)).Header.Value.Should().Be(9);
        (await server.SingleSessionAsync()).State.Should().Be(ResilientSessionState.Attached);
    }

    [Fact]
    public async Task Reattaching_just_inside_the_resume_window_succeeds_after_several_failed_attempts()
    {
        await using var server = await SessionServer.StartAsync(async (session, ct) =>
        {
            await session.SendTextAsync("kept", ct);
            await Task.Delay(Timeout.Infinite, ct);
        });
        var (client, welcome) = await RawSessionClient.StartAsync(server.Uri);
        var session = await server.SingleSessionAsync();
        await Eventually.TrueAsync(() => session.MessagesSent == 1, "the handler sent");
        client.Abort();
        await Eventually.TrueAsync(() => session.State == ResilientSessionState.Detached, "the session detached");

        // Attempts that fail before a HELLO reaches the session: refused handshakes and connections cut before HELLO.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            server.Time.Advance(TimeSpan.FromSeconds(20));
            using var plain = new ClientWebSocket();
            await plain.Awaiting(p => p.ConnectAsync(server.Uri, CancellationToken.None)).Should().ThrowAsync<WebSocketException>();
            var cut = await RawSessionClient.ConnectAsync(server.Uri);
            cut.Abort();
            await cut.DisposeAsync();
        }

        server.Time.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromSeconds(100) - TimeSpan.FromMilliseconds(1));
        session.State.Should().Be(ResilientSessionState.Detached);

        var (again, resumed) = await RawSessionClient.StartAsync(server.Uri, welcome.SessionId, lastReceived: 0);
        await using var _ = again;

        resumed.Resumed.Should().BeTrue();
        var replayed = await again.ReceiveUntilAsync(SessionFrameKind.Data);
        (replayed.Header.Value, replayed.Text).Should().Be((1UL, "kept"));
        server.Time.Advance(TimeSpan.FromMinutes(10));
        session.State.Should().Be(ResilientSessionState.Attached, "an attached session does not expire");
    }

    [Fact]
    public async Task Just_past_the_resume_window_the_session_is_lost_with_its_counts_and_a_hello_gets_lost()
    {
        var lost = new TaskCompletionSource<ResilientSessionEndedException>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await SessionServer.StartAsync(async (session, ct) =>
        {
            for (var i = 0; i < 3; i++)
            {
                await session.SendTextAsync("unacknowledged", ct);
            }

            try
            {
                await foreach (var _ in session.ReadAllAsync())
                {
                }
            }
            catch (ResilientSessionEndedException exception)
            {
                lost.TrySetResult(exception);
            }
        });
        var (client, welcome) = await RawSessionClient.StartAsync(server.Uri);
        var session = await server.SingleSessionAsync();
        await client.SendDataAsync(1, "in");
        await Eventually.TrueAsync(() => session.MessagesSent == 3 && session.MessagesReceived == 1, "the exchange happened");
        client.Abort();
        await Eventually.TrueAsync(() => session.State == ResilientSessionState.Detached, "the session detached");

        server.Time.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromMilliseconds(1));
        session.State.Should().Be(ResilientSessionState.Detached);
        server.Time.Advance(TimeSpan.FromMilliseconds(2));

        var exception = await lost.Task.WaitAsync(TimeSpan.FromSeconds(10));
        exception.Reason.Should().Be(ResilientSessionEndReason.Expired);
        exception.IsLost.Should().BeTrue();
        exception.UnacknowledgedMessages.Should().Be(3);
        exception.SessionId.Should().Be(welcome.SessionId);
        session.State.Should().Be(ResilientSessionState.Ended);
        session.Lost.IsCancellationRequested.Should().BeTrue();
        server.Store.Count.Should().Be(0);
        await session.Awaiting(s => s.SendTextAsync("late").AsTask()).Should().ThrowAsync<ResilientSessionEndedException>();

        var (again, answer) = await RawSessionClient.StartAsync(server.Uri, welcome.SessionId, lastReceived: 3);
        await using var _ = again;
        answer.Lost.Should().BeTrue();
        answer.SessionId.Should().NotBe(welcome.SessionId);
    }

    [Fact]
    public async Task A_close_with_1000_ends_the_session_reading_completes_and_a_later_hello_gets_lost()
    {
        var readCompleted = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await SessionServer.StartAsync(async (session, ct) =>
        {
            var count = 0;
            await foreach (var _ in session.ReadAllAsync(ct))
            {
                count++;
            }

            readCompleted.TrySetResult(count);
        });
        var (client, welcome) = await RawSessionClient.StartAsync(server.Uri);
        await client.SendDataAsync(1, "a");
        await client.SendDataAsync(2, "b");

        await client.CloseAsync(WebSocketCloseStatus.NormalClosure);

        (await readCompleted.Task.WaitAsync(TimeSpan.FromSeconds(10))).Should().Be(2);
        var session = await server.SingleSessionAsync();
        await Eventually.TrueAsync(() => session.State == ResilientSessionState.Ended, "the session ended");
        session.EndReason.Should().Be(ResilientSessionEndReason.ClosedByClient);
        var (again, answer) = await RawSessionClient.StartAsync(server.Uri, welcome.SessionId, 0);
        await using var _ = again;
        answer.Lost.Should().BeTrue();
    }

    [Fact]
    public async Task A_close_with_another_status_detaches_the_session_for_a_resume()
    {
        await using var server = await SessionServer.StartAsync(SessionServer.Echo);
        var (client, welcome) = await RawSessionClient.StartAsync(server.Uri);

        await client.CloseAsync(WebSocketCloseStatus.EndpointUnavailable);

        var session = await server.SingleSessionAsync();
        await Eventually.TrueAsync(() => session.State == ResilientSessionState.Detached, "the session detached");
        var (again, answer) = await RawSessionClient.StartAsync(server.Uri, welcome.SessionId, 0);
        await using var _ = again;
        answer.Resumed.Should().BeTrue();
    }

    [Fact]
    public async Task When_the_handler_returns_the_session_closes_with_1000_after_the_client_acknowledged_everything()
    {
        await using var server = await SessionServer.StartAsync(async (session, ct) =>
        {
            await session.SendTextAsync("bye", ct);
        });
        var (client, _) = await RawSessionClient.StartAsync(server.Uri);
        await using var __ = client;

        var data = await client.ReceiveUntilAsync(SessionFrameKind.Data);
        await client.SendControlAsync(SessionFrameKind.Ack, data.Header.Value);

        var close = await client.ReceiveCloseAsync();
        close.CloseStatus.Should().Be(WebSocketCloseStatus.NormalClosure);
        (await server.SingleSessionAsync()).EndReason.Should().Be(ResilientSessionEndReason.ClosedByServer);
    }

    [Fact]
    public async Task A_handler_that_throws_ends_its_session_with_1011()
    {
        await using var server = await SessionServer.StartAsync((session, ct) => throw new InvalidOperationException("boom"));
        var (client, _) = await RawSessionClient.StartAsync(server.Uri);
        await using var __ = client;

        var close = await client.ReceiveCloseAsync();

        close.CloseStatus.Should().Be(WebSocketCloseStatus.InternalServerError);
        (await server.SingleSessionAsync()).EndReason.Should().Be(ResilientSessionEndReason.HandlerFailed);
    }
}
