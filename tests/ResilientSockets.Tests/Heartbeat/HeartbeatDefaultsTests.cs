using System.Net.WebSockets;
using FluentAssertions;
using Xunit;

namespace ResilientSockets.Tests.Heartbeat;

public sealed class HeartbeatDefaultsTests
{
    [Theory]
    [InlineData("{\"type\":\"pong\"}", true)]
    [InlineData("{ \"seq\": 4, \"type\" : \"pong\", \"ts\": 1 }", true)]
    [InlineData("{\"data\":{\"type\":\"pong\"},\"type\":\"tick\"}", false)]
    [InlineData("{\"type\":\"ping\"}", false)]
    [InlineData("{\"type\":1}", false)]
    [InlineData("pong", false)]
    [InlineData("[\"pong\"]", false)]
    [InlineData("{\"type\":\"pong\"", true)]
    [InlineData("{", false)]
    [InlineData("", false)]
    public void The_default_matcher_reads_only_the_top_level_type(string text, bool isPong)
        => HeartbeatDefaults.IsJsonPong(WebSocketMessage.FromText(text)).Should().Be(isPong);

    [Fact]
    public void A_binary_message_is_never_the_default_pong()
        => HeartbeatDefaults.IsJsonPong(WebSocketMessage.FromBinary("{\"type\":\"pong\"}"u8.ToArray())).Should().BeFalse();

    [Fact]
    public void The_default_ping_is_the_json_text()
    {
        var ping = HeartbeatDefaults.Ping(1);
        ping.MessageType.Should().Be(WebSocketMessageType.Text);
        ping.Text.Should().Be("{\"type\":\"ping\"}");
    }

    [Fact]
    public void Invalid_heartbeat_options_are_listed()
    {
        var options = new ResilientWebSocketOptions
        {
            Uri = new Uri("ws://localhost/"),
            Heartbeat = { Interval = TimeSpan.Zero, Timeout = TimeSpan.FromSeconds(-1), SendTimeout = TimeSpan.Zero, ReceiveTimeout = TimeSpan.Zero, PingMessage = null!, IsPong = null! },
        };

        var error = FluentActions.Invoking(options.Validate).Should().Throw<ArgumentException>().Which;

        error.Message.Should().Contain("6 problems").And.Contain("Heartbeat.Interval").And.Contain("Heartbeat.Timeout")
            .And.Contain("Heartbeat.SendTimeout").And.Contain("Heartbeat.ReceiveTimeout").And.Contain("Heartbeat.PingMessage").And.Contain("Heartbeat.IsPong");
    }
}
