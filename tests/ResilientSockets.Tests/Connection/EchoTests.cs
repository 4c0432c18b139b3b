using System.Net.WebSockets;
using System.Text;
using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Connection;

public sealed class EchoTests
{
    [Fact]
    public async Task Text_and_binary_messages_come_back_from_an_echo_server()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/echo"));
        await using var messages = client.ReadAllAsync().GetAsyncEnumerator();
        var first = messages.MoveNextAsync();

        await client.StartAsync();
        await client.SendTextAsync("hello");
        await client.SendBinaryAsync(new byte[] { 1, 2, 3, 255 });
        await client.SendAsync(Encoding.UTF8.GetBytes("pre-encoded"), WebSocketMessageType.Text);
        await client.SendTextAsync("chars".AsMemory());

        (await first.AsTask().WaitAsync(TestTimeouts.Signal)).Should().BeTrue();
        messages.Current.IsText.Should().BeTrue();
        messages.Current.Text.Should().Be("hello");
        (await messages.MoveNextAsync()).Should().BeTrue();
        messages.Current.MessageType.Should().Be(WebSocketMessageType.Binary);
        messages.Current.Data.ToArray().Should().Equal(1, 2, 3, 255);
        (await messages.MoveNextAsync()).Should().BeTrue();
        messages.Current.Text.Should().Be("pre-encoded");
        (await messages.MoveNextAsync()).Should().BeTrue();
        messages.Current.Text.Should().Be("chars");
    }

    [Fact]
    public async Task Empty_messages_arrive_as_empty_messages_between_others()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/echo"));
        await using var messages = client.ReadAllAsync().GetAsyncEnumerator();
        var first = messages.MoveNextAsync();
        await client.StartAsync();

        await client.SendTextAsync(string.Empty);
        await client.SendTextAsync("a");
        await client.SendBinaryAsync(ReadOnlyMemory<byte>.Empty);
        await client.SendBinaryAsync(new byte[] { 7 });

        (await first.AsTask().WaitAsync(TestTimeouts.Signal)).Should().BeTrue();
        messages.Current.Should().Match<WebSocketMessage>(m => m.IsText && m.Data.Length == 0);
        (await messages.MoveNextAsync()).Should().BeTrue();
        messages.Current.Text.Should().Be("a");
        (await messages.MoveNextAsync()).Should().BeTrue();
        messages.Current.Should().Match<WebSocketMessage>(m => m.MessageType == WebSocketMessageType.Binary && m.Data.Length == 0);
        (await messages.MoveNextAsync()).Should().BeTrue();
        messages.Current.Data.ToArray().Should().Equal(7);
    }

#if !NETSTANDARD_BUILD_UNDER_TEST
    [Fact]
    public async Task An_idle_connection_holds_no_receive_buffer_and_takes_one_when_a_message_comes()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/echo"));
        await using var messages = client.ReadAllAsync().GetAsyncEnumerator();
        var first = messages.MoveNextAsync();
        await client.StartAsync();
        await Eventually.TrueAsync(() => !client.HoldsReceiveBuffer, "the reader waits for the first message without a buffer");

        await client.SendTextAsync(new string('x', 50_000));

        (await first.AsTask().WaitAsync(TestTimeouts.Signal)).Should().BeTrue();
        messages.Current.Text.Should().HaveLength(50_000);
        await Eventually.TrueAsync(() => !client.HoldsReceiveBuffer, "the buffer goes back to the pool once the link is idle again");
    }
#endif

    [Fact]
    public async Task Json_is_sent_as_a_text_message()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/sink"));
        await client.StartAsync();

        await client.SendJsonAsync(new Ping(7, "x"), TestJsonContext.Default.Ping);
#pragma warning disable IL2026, IL3050 // Reflection overload on purpose.
        await client.SendJsonAsync(new Ping(8, "y"));
#pragma warning restore IL2026, IL3050

        await server.WaitUntilAsync(s => s.ReceivedCount == 2, TestTimeouts.Signal);
        server.ReceivedMessages.Select(m => m.Text).Should().Equal("{\"Seq\":7,\"Kind\":\"x\"}", "{\"Seq\":8,\"Kind\":\"y\"}");
        server.ReceivedMessages.Should().OnlyContain(m => m.MessageType == WebSocketMessageType.Text);
    }

    [Fact]
    public async Task A_message_sent_in_many_frames_is_reassembled()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var payload = Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray();
        server.Map("/fragments", new ServerRoute { OnConnected = c => c.SendFragmentedAsync(payload, WebSocketMessageType.Binary, 1000) });
        await using var client = Sut.Create(server.GetUri("/fragments"));
        var received = new TaskCompletionSource<WebSocketMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.MessageReceived += (m, _) => { received.TrySetResult(m); return ValueTask.CompletedTask; };

        await client.StartAsync();

        var message = await received.Task.WaitAsync(TestTimeouts.Signal);
        message.Data.ToArray().Should().Equal(payload);
    }
}

internal sealed record Ping(int Seq, string Kind);

[System.Text.Json.Serialization.JsonSerializable(typeof(Ping))]
internal sealed partial class TestJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
