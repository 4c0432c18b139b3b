using System.Net.WebSockets;
using FluentAssertions;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Sessions;

/// <summary>The client's session layer against hand-made frames: rules enforced, duplicates dropped, nothing crashes or hangs.</summary>
public sealed class HostileSessionServerTests
{
    private static ResilientWebSocket CreateClient(Uri uri) => Sut.Create(uri, o =>
    {
        o.Session = new ReliableSessionOptions { AckDelay = TimeSpan.FromMilliseconds(10) };
        o.Reconnect.MaxAttempts = 2;
    });

    [Fact]
    public async Task Duplicates_are_dropped_and_acknowledged_and_the_hello_is_the_documented_frame()
    {
        var id = Guid.NewGuid();
        byte[]? hello = null;
        await using var server = await ScriptedSessionServer.StartAsync(async (socket, helloFrame) =>
        {
            hello = helloFrame;
            await ScriptedSessionServer.SendAsync(socket, ScriptedSessionServer.Welcome(id));
            await ScriptedSessionServer.SendAsync(socket, ScriptedSessionServer.Data(1, "a"));
            await ScriptedSessionServer.SendAsync(socket, ScriptedSessionServer.Data(1, "a"));
            await ScriptedSessionServer.SendAsync(socket, ScriptedSessionServer.Data(2, "b"));
        });
        await using var client = CreateClient(server.Uri);
        using var reader = client.CreateReader();
        await client.StartAsync();

        var texts = new List<string>();
        await foreach (var message in reader.ReadAllAsync(new CancellationTokenSource(TestTimeouts.Signal).Token))
        {
            texts.Add(message.Text);
            if (texts.Count == 2)
            {
                break;
            }
        }

        texts.Should().Equal("a", "b");
        client.SessionId.Should().Be(id);
        var decodedHello = SessionFrameCodec.Decode(hello, hello!.Length);
        decodedHello.Kind.Should().Be(SessionFrameKind.Hello);
        decodedHello.SessionId.Should().Be(Guid.Empty, "a first connection asks for a new session");
        await Eventually.TrueAsync(
            () => { lock (server.Received) { return server.Received.Any(f => f[0] == (byte)SessionFrameKind.Ack && SessionFrameCodec.Decode(f, f.Length).Value == 2); } },
            "the client acknowledges up to 2 within AckDelay");
    }

    public static TheoryData<string, string> Violations() => new()
    {
        { "gap", "skips ahead" },
        { "ack-unsent", "highest sent is 0" },
        { "text", "text WebSocket message" },
        { "unknown-kind", "Unknown session frame kind" },
        { "second-welcome", "only one HELLO and one WELCOME" },
        { "long-ack", "exactly 10" },
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public async Task A_frame_that_breaks_a_rule_closes_with_1002_and_faults_the_client_with_the_rule(string violation, string rule)
    {
        await using var server = await ScriptedSessionServer.StartAsync(async (socket, _) =>
        {
            await ScriptedSessionServer.SendAsync(socket, ScriptedSessionServer.Welcome(Guid.NewGuid()));
            switch (violation)
            {
                case "gap":
                    await ScriptedSessionServer.SendAsync(socket, ScriptedSessionServer.Data(5, "x"));
                    break;
                case "ack-unsent":
                    await ScriptedSessionServer.SendAsync(socket, ScriptedSessionServer.Control(SessionFrameKind.Ack, 10));
                    break;
                case "text":
                    await ScriptedSessionServer.SendAsync(socket, "hello"u8.ToArray(), WebSocketMessageType.Text);
                    break;
                case "unknown-kind":
                    await ScriptedSessionServer.SendAsync(socket, [0x09, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
                    break;
                case "second-welcome":
                    await ScriptedSessionServer.SendAsync(socket, ScriptedSessionServer.Welcome(Guid.NewGuid()));
                    break;
                case "long-ack":
                    await ScriptedSessionServer.SendAsync(socket, [.. ScriptedSessionServer.Control(SessionFrameKind.Ack, 0), 0]);
                    break;
            }
        });
        await using var client = CreateClient(server.Uri);
        var states = new StateRecorder(client);
        await client.StartAsync();

        var faulted = await states.WaitForAsync(ConnectionState.Faulted);
        var close = await server.ClientClose.Task.WaitAsync(TestTimeouts.Signal);

        faulted.Cause.Should().BeOfType<SessionProtocolException>().Which.Message.Should().Contain(rule);
        close.Status.Should().Be(WebSocketCloseStatus.ProtocolError);
        close.Reason.Should().Contain(rule.Split(' ')[0]);
    }

    [Fact]
    public async Task A_first_frame_that_is_not_a_welcome_fails_the_start_without_retrying()
    {
        await using var server = await ScriptedSessionServer.StartAsync((socket, _) => ScriptedSessionServer.SendAsync(socket, ScriptedSessionServer.Data(1, "x")));
        await using var client = CreateClient(server.Uri);

        var error = (await client.Invoking(c => c.StartAsync()).Should().ThrowAsync<WebSocketConnectException>()).Which;

        error.Message.Should().Contain("not WELCOME");
        error.IsTransient.Should().BeFalse();
    }

    [Fact]
    public async Task Random_frames_from_a_hostile_server_never_crash_or_hang_the_client()
    {
        for (var seed = 0; seed < 30; seed++)
        {
            var random = new Random(seed);
            await using var server = await ScriptedSessionServer.StartAsync(async (socket, _) =>
            {
                await ScriptedSessionServer.SendAsync(socket, ScriptedSessionServer.Welcome(Guid.NewGuid()));
                for (var i = 0; i < 20; i++)
                {
                    var frame = new byte[random.Next(1, 40)];
                    random.NextBytes(frame);
                    frame[0] = (byte)random.Next(0, 9);
                    await ScriptedSessionServer.SendAsync(socket, frame);
                }
            });
            await using var client = CreateClient(server.Uri);
            var states = new StateRecorder(client);
            await client.StartAsync();

            var faulted = await states.WaitForAsync(ConnectionState.Faulted);
            faulted.Cause.Should().BeOfType<SessionProtocolException>($"seed {seed}: random frames break a rule sooner or later");
        }
    }
}
