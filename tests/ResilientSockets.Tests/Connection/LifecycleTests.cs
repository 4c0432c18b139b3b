using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Connection;

public sealed class LifecycleTests
{
    [Fact]
    public async Task The_on_connected_hook_authenticates_before_queued_messages_flow_on_every_connect()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.Map("/auth", new ServerRoute
        {
            OnMessage = (c, m) => m.Text.StartsWith("auth", StringComparison.Ordinal) ? c.SendTextAsync("auth-ok") : Task.CompletedTask,
        });
        var hookRuns = new List<bool>();
        await using var client = Sut.Create(server.GetUri("/auth"), o => o.OnConnected = async (ctx, ct) =>
        {
            lock (hookRuns) { hookRuns.Add(ctx.IsReconnect); }
            await ctx.SendTextAsync("auth:secret", ct);
            var reply = await ctx.ReceiveAsync(ct);
            reply.Text.Should().Be("auth-ok");
        });
        var states = new StateRecorder(client);
        var queuedBeforeStart = client.SendTextAsync("queued-1").AsTask();

        await client.StartAsync();
        await queuedBeforeStart.WaitAsync(TestTimeouts.Signal);
        // Written is not yet received: wait for the server before cutting the link (see the README's guarantees).
        await server.WaitUntilAsync(s => s.ReceivedCount == 2, TestTimeouts.Signal);
        server.AbortAll();
        await states.WaitForAsync(ConnectionState.Reconnecting);
        var queuedDuringOutage = client.SendTextAsync("queued-2").AsTask();
        await queuedDuringOutage.WaitAsync(TestTimeouts.Signal);
        await server.WaitUntilAsync(s => s.ReceivedCount == 4, TestTimeouts.Signal);

        server.Connections[0].Received.Select(m => m.Text).Should().Equal("auth:secret", "queued-1");
        server.Connections[1].Received.Select(m => m.Text).Should().Equal("auth:secret", "queued-2");
        hookRuns.Should().Equal(false, true);
    }

    [Fact]
    public async Task A_throwing_on_connected_hook_fails_that_attempt_which_is_retried()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var runs = 0;
        await using var client = Sut.Create(server.GetUri("/echo"), o => o.OnConnected = (_, _) =>
            Interlocked.Increment(ref runs) == 1 ? throw new InvalidOperationException("resubscribe failed") : ValueTask.CompletedTask);
        var states = new StateRecorder(client);

        await client.StartAsync();

        runs.Should().Be(2);
        server.HandshakeCount.Should().Be(2);
        var failed = states.Events.Single(e => e.State == ConnectionState.Reconnecting);
        failed.Cause.Should().BeOfType<WebSocketConnectException>().Which.InnerException!.Message.Should().Be("resubscribe failed");
    }

    [Fact]
    public async Task OnConnecting_runs_per_attempt_so_a_refreshed_token_is_used_on_reconnect()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var issued = 0;
        await using var client = Sut.Create(server.GetUri("/echo"), o => o.OnConnecting = (ctx, _) =>
        {
            ctx.Options.SetRequestHeader("Authorization", $"Bearer token-{Interlocked.Increment(ref issued)}");
            ctx.Uri = server.GetUri("/echo", $"session={issued}");
            return ValueTask.CompletedTask;
        });
        var states = new StateRecorder(client);
        await client.StartAsync();

        server.AbortAll();
        await states.WaitForAsync(ConnectionState.Open, 2);
        await server.WaitForConnectionAsync(2, TestTimeouts.Signal);

        server.Connections.Select(c => c.RequestHeaders["Authorization"]).Should().Equal("Bearer token-1", "Bearer token-2");
        server.Connections.Select(c => c.Query).Should().Equal("?session=1", "?session=2");
    }

    [Fact]
    public async Task Secrets_in_the_query_string_and_authorization_header_never_reach_the_logs()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.RejectNextHandshakes(1, 503);
        var logger = new CapturingLogger();
        await using var client = Sut.Create(null!, o =>
        {
            o.Uri = null;
            o.OnConnecting = (ctx, _) =>
            {
                ctx.Uri = server.GetUri("/echo", "access_token=SECRET-QUERY-TOKEN");
                ctx.Options.SetRequestHeader("Authorization", "Bearer SECRET-HEADER-TOKEN");
                return ValueTask.CompletedTask;
            };
        }, logger);
        var states = new StateRecorder(client);

        await client.StartAsync();
        server.AbortAll();
        await states.WaitForAsync(ConnectionState.Open, 2);
        await client.StopAsync();

        logger.Entries.Should().Contain(e => e.Id.Name == "Connected");
        logger.Entries.Should().Contain(e => e.Id.Name == "ConnectAttemptFailed");
        logger.AllText.Should().Contain("/echo?(redacted)");
        logger.AllText.Should().NotContain("SECRET-QUERY-TOKEN").And.NotContain("SECRET-HEADER-TOKEN");
    }

    [Fact]
    public async Task Connection_refused_names_the_host_and_port()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        await using var client = Sut.Create(new Uri($"ws://127.0.0.1:{port}/feed"), o => o.Reconnect.FailFastOnStart = true);

        var error = (await client.Invoking(c => c.StartAsync()).Should().ThrowAsync<WebSocketConnectException>()).Which;

        error.Message.Should().Contain($"127.0.0.1:{port}").And.Contain("refused");
        error.IsTransient.Should().BeTrue();
        client.State.Should().Be(ConnectionState.Faulted);
    }

    [Fact]
    public async Task FailFastOnStart_does_not_retry_the_first_connection()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.RejectNextHandshakes(1, 503);
        await using var client = Sut.Create(server.GetUri("/echo"), o => o.Reconnect.FailFastOnStart = true);
        var states = new StateRecorder(client);

        await client.Invoking(c => c.StartAsync()).Should().ThrowAsync<WebSocketConnectException>();

        server.HandshakeCount.Should().Be(1);
        await states.WaitForAsync(ConnectionState.Faulted);
        states.States.Should().Equal(ConnectionState.Connecting, ConnectionState.Faulted);
    }

    [Fact]
    public async Task A_socket_io_address_is_refused_before_connecting_with_a_message_that_a_socket_io_client_is_needed()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.Map("/socket.io/", ServerRoute.Echo());
        await using var client = Sut.Create(server.GetUri("/socket.io/", "EIO=4&transport=websocket"));

        var error = (await client.Invoking(c => c.StartAsync()).Should().ThrowAsync<WebSocketConnectException>()).Which;

        error.Message.Should().Contain("Socket.IO").And.Contain("Socket.IO client").And.Contain("before connecting");
        error.IsTransient.Should().BeFalse();
        server.HandshakeCount.Should().Be(0, "the address alone decides, even where a plain WebSocket endpoint would have answered");
    }

    [Fact]
    public async Task An_engine_io_open_packet_faults_the_client_with_the_socket_io_message()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.Map("/ws", new ServerRoute
        {
            OnConnected = c => c.SendTextAsync("0{\"sid\":\"lv_VI97HAXpY6yYWAAAC\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}"),
        });
        await using var client = Sut.Create(server.GetUri("/ws"));
        var states = new StateRecorder(client);

        await client.StartAsync();

        var faulted = await states.WaitForAsync(ConnectionState.Faulted);
        faulted.Cause!.Message.Should().Contain("Socket.IO");
        server.HandshakeCount.Should().Be(1, "a protocol mismatch is not retried");
    }

    [Fact]
    public async Task A_close_status_the_predicate_calls_final_faults_the_client_with_that_status()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/echo"), o => o.Reconnect.ShouldStopOnClose = (status, description) => status == WebSocketCloseStatus.PolicyViolation && description == "banned");
        var states = new StateRecorder(client);
        await client.StartAsync();

        await server.CloseAllAsync(WebSocketCloseStatus.PolicyViolation, "banned");

        var faulted = await states.WaitForAsync(ConnectionState.Faulted);
        faulted.PreviousState.Should().Be(ConnectionState.Open);
        faulted.CloseStatus.Should().Be(WebSocketCloseStatus.PolicyViolation);
        faulted.CloseDescription.Should().Be("banned");
        server.HandshakeCount.Should().Be(1);
        var late = async () => await client.SendTextAsync("x");
        (await late.Should().ThrowAsync<MessageNotSentException>()).Which.Reason.Should().Be(MessageDropReason.Faulted);
    }

    [Fact]
    public async Task A_server_close_without_the_predicate_is_followed_by_a_reconnect()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/echo"));
        var states = new StateRecorder(client);
        await client.StartAsync();

        await server.CloseAllAsync(WebSocketCloseStatus.EndpointUnavailable, "restarting");

        var lost = await states.WaitForAsync(ConnectionState.Reconnecting);
        lost.CloseStatus.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
        await states.WaitForAsync(ConnectionState.Open, 2);
    }

    [Fact]
    public async Task Start_is_single_use_and_stop_before_start_closes_without_connecting()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var client = Sut.Create(server.GetUri("/echo"));
        var states = new StateRecorder(client);

        await client.StopAsync();

        await client.Invoking(c => c.StartAsync()).Should().ThrowAsync<InvalidOperationException>().WithMessage("*Closed*new one*");
        await client.DisposeAsync();
        states.States.Should().Equal(ConnectionState.Closed);
        server.HandshakeCount.Should().Be(0);
    }

    [Fact]
    public async Task Cancelling_start_before_the_first_connection_stops_the_client()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.RejectNextHandshakes(1000, 503);
        await using var client = Sut.Create(server.GetUri("/echo"), o => o.Reconnect.Delay = TimeSpan.FromSeconds(1));
        using var cts = new CancellationTokenSource();
        var start = client.StartAsync(cts.Token);
        await server.WaitUntilAsync(s => s.HandshakeCount >= 1, TestTimeouts.Signal);

        await cts.CancelAsync();

        await start.Invoking(t => t.WaitAsync(TestTimeouts.Signal)).Should().ThrowAsync<OperationCanceledException>();
        client.State.Should().Be(ConnectionState.Closed);
    }

    [Fact]
    public async Task Stop_from_a_state_changed_handler_does_not_deadlock()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/echo"));
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.StateChanged += async (_, e) =>
        {
            if (e.State == ConnectionState.Reconnecting)
            {
                await client.StopAsync();
                stopped.TrySetResult();
            }
        };
        await client.StartAsync();

        server.AbortAll();

        await stopped.Task.WaitAsync(TestTimeouts.Signal);
        client.State.Should().Be(ConnectionState.Closed);
    }

    [Fact]
    public async Task Dispose_from_a_message_handler_does_not_deadlock()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var client = Sut.Create(server.GetUri("/echo"));
        var disposed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var states = new StateRecorder(client);
        client.MessageReceived += async (_, _) =>
        {
            await client.DisposeAsync();
            disposed.TrySetResult();
        };
        await client.StartAsync();

        await client.SendTextAsync("bye");

        await disposed.Task.WaitAsync(TestTimeouts.Signal);
        await states.WaitForAsync(ConnectionState.Closed);
        await server.WaitUntilAsync(s => s.Connections[0].Completion.IsCompleted, TestTimeouts.Signal);
        client.HasRunningWork.Should().BeFalse();
    }
}
