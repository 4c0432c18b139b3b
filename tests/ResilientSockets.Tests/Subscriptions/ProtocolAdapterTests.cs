using System.Buffers;
using System.Text;
using FluentAssertions;
using Xunit;

namespace ResilientSockets.Tests.Subscriptions;

/// <summary>The shipped adapters, message by message: what they write and how they classify what they read.</summary>
public sealed class ProtocolAdapterTests
{
    private sealed class Buffer : IBufferWriter<byte>
    {
        private byte[] _bytes = new byte[1024];

        public int Written { get; private set; }

        public string Text => Encoding.UTF8.GetString(_bytes, 0, Written);

        public void Advance(int count) => Written += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => _bytes.AsMemory(Written);

        public Span<byte> GetSpan(int sizeHint = 0) => _bytes.AsSpan(Written);
    }

    private static (ProtocolMessage Message, string Reply) Read(ISubscriptionProtocol protocol, string json)
    {
        var reply = new Buffer();
        var message = protocol.Read(Encoding.UTF8.GetBytes(json), reply);
        return (message, reply.Text);
    }

    private static string Utf8(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    [Fact]
    public void GraphQLWs_WritesSubscribeWithVariables_AndCompleteAsUnsubscribeAndCancel()
    {
        var protocol = new GraphQLWsProtocol();
        var subscribe = new Buffer();
        var complete = new Buffer();
        var cancel = new Buffer();

        protocol.WriteSubscribe(subscribe, "s1", "subscription { tick }", "{\"a\":1}"u8.ToArray());
        protocol.WriteUnsubscribe(complete, "s1", "subscription { tick }");
        protocol.WriteCancel(cancel, "r2");

        subscribe.Text.Should().Be("{\"id\":\"s1\",\"type\":\"subscribe\",\"payload\":{\"query\":\"subscription { tick }\",\"variables\":{\"a\":1}}}");
        complete.Text.Should().Be("{\"id\":\"s1\",\"type\":\"complete\"}");
        cancel.Text.Should().Be("{\"id\":\"r2\",\"type\":\"complete\"}");
    }

    [Fact]
    public void GraphQLWs_ClassifiesNextErrorCompleteAndAnswersPing()
    {
        var protocol = new GraphQLWsProtocol();

        var next = Read(protocol, "{\"id\":\"s1\",\"type\":\"next\",\"payload\":{\"data\":{\"tick\":1}}}").Message;
        var failedQuery = Read(protocol, "{\"type\":\"next\",\"id\":\"r2\",\"payload\":{\"errors\":[{\"message\":\"boom\"}],\"data\":null}}").Message;
        var error = Read(protocol, "{\"id\":\"s1\",\"type\":\"error\",\"payload\":[{\"message\":\"nope\"}]}").Message;
        var complete = Read(protocol, "{\"id\":\"s\\u0031\",\"type\":\"complete\"}").Message;
        var (ping, pong) = Read(protocol, "{\"type\":\"ping\"}");

        next.Kind.Should().Be(ProtocolMessageKind.Event);
        Utf8(next.Key).Should().Be("s1");
        Utf8(next.Payload).Should().Be("{\"data\":{\"tick\":1}}");
        failedQuery.Kind.Should().Be(ProtocolMessageKind.Error);
        failedQuery.ErrorMessage.Should().Be("boom");
        error.Kind.Should().Be(ProtocolMessageKind.Error);
        error.ErrorMessage.Should().Be("nope");
        complete.Kind.Should().Be(ProtocolMessageKind.Completed);
        Utf8(complete.Key).Should().Be("s1", "an escaped id is unescaped");
        ping.Kind.Should().Be(ProtocolMessageKind.Handled);
        pong.Should().Be("{\"type\":\"pong\"}");
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"type\":\"next\",\"payload\":{}}")]
    [InlineData("{\"type\":42}")]
    [InlineData("{\"type\":\"next\",\"id\":\"s1\",\"payload\":{\"data\":")]
    [InlineData("[]")]
    public void GraphQLWs_CallsBadInputMalformed_WithoutThrowing(string json)
        => Read(new GraphQLWsProtocol(), json).Message.Kind.Should().Be(ProtocolMessageKind.Malformed);

    [Fact]
    public void JsonRpc_WritesRequestsAndRpcOnOff()
    {
        var protocol = new JsonRpcProtocol();
        var request = new Buffer();
        var on = new Buffer();
        var off = new Buffer();
        var cancel = new Buffer();

        protocol.WriteRequest(request, "r1", "add", "[1,2]"u8.ToArray());
        protocol.WriteSubscribe(on, "s2", "tick", default);
        protocol.WriteUnsubscribe(off, "s2", "tick");
        protocol.WriteCancel(cancel, "r1");

        request.Text.Should().Be("{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":\"r1\"}");
        on.Text.Should().Be("{\"jsonrpc\":\"2.0\",\"method\":\"rpc.on\",\"params\":[\"tick\"],\"id\":\"s2\"}");
        off.Text.Should().Be("{\"jsonrpc\":\"2.0\",\"method\":\"rpc.off\",\"params\":[\"tick\"],\"id\":\"s2\"}");
        cancel.Written.Should().Be(0, "JSON-RPC has no cancel");
    }

    [Fact]
    public void JsonRpc_ClassifiesResultsErrorsNotificationsAndRefusedEvents()
    {
        var protocol = new JsonRpcProtocol();

        var result = Read(protocol, "{\"jsonrpc\":\"2.0\",\"result\":3,\"id\":\"r1\"}").Message;
        var error = Read(protocol, "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32000,\"message\":\"Error\",\"data\":\"bad\"},\"id\":\"r1\"}").Message;
        var notification = Read(protocol, "{\"notification\":\"tick\",\"params\":{\"n\":1}}").Message;
        var accepted = Read(protocol, "{\"jsonrpc\":\"2.0\",\"result\":{\"tick\":\"ok\"},\"id\":\"s2\"}").Message;
        var refused = Read(protocol, "{\"jsonrpc\":\"2.0\",\"result\":{\"nope\":\"provided event invalid\"},\"id\":\"s3\"}").Message;
        var serverRequest = Read(protocol, "{\"jsonrpc\":\"2.0\",\"method\":\"hello\",\"id\":1}").Message;
        var noResult = Read(protocol, "{\"jsonrpc\":\"2.0\",\"id\":\"r1\"}").Message;

        result.Kind.Should().Be(ProtocolMessageKind.Response);
        Utf8(result.Payload).Should().Be("3");
        error.Kind.Should().Be(ProtocolMessageKind.Error);
        error.ErrorMessage.Should().Be("Error: bad");
        notification.Kind.Should().Be(ProtocolMessageKind.Event);
        Utf8(notification.Key).Should().Be("tick");
        Utf8(notification.Payload).Should().Be("{\"n\":1}");
        accepted.Kind.Should().Be(ProtocolMessageKind.Response);
        refused.Kind.Should().Be(ProtocolMessageKind.Error);
        refused.ErrorMessage.Should().Be("provided event invalid");
        serverRequest.Kind.Should().Be(ProtocolMessageKind.Unrecognized, "a request from the server is the application's");
        noResult.Kind.Should().Be(ProtocolMessageKind.Malformed);
    }

    [Fact]
    public void TopicJson_RoutesEventsByTopic_AndLeavesEverythingElseToTheReaders()
    {
        var protocol = new TopicJsonProtocol();

        var @event = Read(protocol, "{\"type\":\"event\",\"topic\":\"prices\",\"data\":[1,2]}").Message;
        var refusal = Read(protocol, "{\"type\":\"error\",\"topic\":\"secret\",\"message\":\"no\"}").Message;

        @event.Kind.Should().Be(ProtocolMessageKind.Event);
        Utf8(@event.Key).Should().Be("prices");
        Utf8(@event.Payload).Should().Be("[1,2]");
        refusal.Kind.Should().Be(ProtocolMessageKind.Error);
        Utf8(refusal.Key).Should().Be("secret");
        Read(protocol, "hello").Message.Kind.Should().Be(ProtocolMessageKind.Unrecognized);
        Read(protocol, "{\"type\":\"chat\",\"text\":\"hi\"}").Message.Kind.Should().Be(ProtocolMessageKind.Unrecognized);
        Read(protocol, "{broken").Message.Kind.Should().Be(ProtocolMessageKind.Unrecognized);
    }
}
