using FluentAssertions;
using Xunit;

namespace ResilientSockets.Tests;

public sealed class ResilientWebSocketOptionsTests
{
    [Theory]
    [InlineData("http://example.com/feed", "ws://example.com/feed")]
    [InlineData("https://example.com/feed", "wss://example.com/feed")]
    public void An_http_uri_is_refused_with_advice_to_use_the_websocket_scheme(string uri, string suggestion)
    {
        var act = () => new ResilientWebSocket(new Uri(uri));

        act.Should().Throw<ArgumentException>().WithMessage($"*ws://*wss://*'{suggestion}'*");
    }

    [Fact]
    public void Another_scheme_is_refused()
        => FluentActions.Invoking(() => new ResilientWebSocket(new Uri("ftp://example.com/")))
            .Should().Throw<ArgumentException>().WithMessage("*'ftp'*ws://*wss://*");

    [Fact]
    public void Every_problem_is_listed_in_one_exception()
    {
        var options = new ResilientWebSocketOptions
        {
            Uri = null,
            CloseTimeout = TimeSpan.Zero,
            Reconnect = { Delay = TimeSpan.FromSeconds(-1), MaxAttempts = 0, ConnectTimeout = TimeSpan.Zero },
            Sending = { Capacity = 0, DefaultTimeToLive = TimeSpan.Zero },
            Receiving = { MaxMessageSize = 0, ReaderCapacity = 0, ReceiveBufferSize = 10 },
        };

        var error = FluentActions.Invoking(() => new ResilientWebSocket(options)).Should().Throw<ArgumentException>().Which;

        error.Message.Should().Contain("10 problems")
            .And.Contain("Uri is required")
            .And.Contain("CloseTimeout")
            .And.Contain("Reconnect.Delay")
            .And.Contain("Reconnect.MaxAttempts")
            .And.Contain("Reconnect.ConnectTimeout")
            .And.Contain("Sending.Capacity")
            .And.Contain("Sending.DefaultTimeToLive")
            .And.Contain("Receiving.MaxMessageSize")
            .And.Contain("Receiving.ReaderCapacity")
            .And.Contain("Receiving.ReceiveBufferSize");
    }

    [Fact]
    public void A_relative_uri_is_refused()
        => FluentActions.Invoking(() => new ResilientWebSocketOptions { Uri = new Uri("/feed", UriKind.Relative) }.Validate())
            .Should().Throw<ArgumentException>().WithMessage("*absolute*");

    [Fact]
    public void MaxDelay_below_Delay_is_refused()
        => FluentActions.Invoking(() => new ResilientWebSocketOptions { Uri = new Uri("ws://x/"), Reconnect = { Delay = TimeSpan.FromSeconds(10), MaxDelay = TimeSpan.FromSeconds(1) } }.Validate())
            .Should().Throw<ArgumentException>().WithMessage("*MaxDelay*");

    [Fact]
    public void The_defaults_are_valid_and_documented_values()
    {
        var options = new ResilientWebSocketOptions { Uri = new Uri("ws://localhost/") };

        options.Validate();
        options.Reconnect.Delay.Should().Be(TimeSpan.FromSeconds(1));
        options.Reconnect.MaxDelay.Should().Be(TimeSpan.FromSeconds(30));
        options.Reconnect.MaxAttempts.Should().BeNull();
        options.Reconnect.ConnectTimeout.Should().Be(TimeSpan.FromSeconds(15));
        options.Reconnect.MinUptime.Should().Be(TimeSpan.FromSeconds(10));
        options.Reconnect.NonRetryableStatusCodes.Should().BeEquivalentTo([400, 401, 403, 404]);
        options.Sending.Capacity.Should().Be(1024);
        options.Sending.OverflowPolicy.Should().Be(OverflowPolicy.Wait);
        options.Receiving.MaxMessageSize.Should().Be(4 * 1024 * 1024);
        options.CloseTimeout.Should().Be(TimeSpan.FromSeconds(5));
        options.TimeProvider.Should().BeSameAs(TimeProvider.System);
    }

    [Fact]
    public async Task Options_are_copied_so_later_edits_have_no_effect()
    {
        var options = new ResilientWebSocketOptions { Uri = new Uri("ws://127.0.0.1:9/"), Sending = { Capacity = 1, OverflowPolicy = OverflowPolicy.Reject } };
        await using var client = new ResilientWebSocket(options);

        options.Sending.Capacity = 100;

        client.TryPostText("1").Should().BeTrue();
        client.TryPostText("2").Should().BeFalse("the client kept the capacity it was built with");
    }

#if NETSTANDARD_BUILD_UNDER_TEST
    [Fact]
    public void The_netstandard_build_rejects_every_transport_option_it_cannot_honour_at_construction()
    {
        using var invoker = new System.Net.Http.HttpMessageInvoker(new System.Net.Http.SocketsHttpHandler());
        var options = new ResilientWebSocketOptions
        {
            Uri = new Uri("wss://example.com/feed"),
            Transport = { HttpInvoker = invoker, HttpVersion = new Version(2, 0), VersionPolicy = WebSocketVersionPolicy.RequestVersionExact, Compression = new PerMessageDeflateOptions() },
        };

        var error = FluentActions.Invoking(() => new ResilientWebSocket(options)).Should().Throw<ArgumentException>().Which;

        error.Message.Should().Contain("4 problems").And.Contain("Transport.HttpInvoker is not supported by the netstandard2.0 build")
            .And.Contain("Transport.HttpVersion 2.0").And.Contain("Transport.VersionPolicy").And.Contain("Transport.Compression");
    }
#else
    [Fact]
    public void The_net10_build_accepts_every_transport_option()
    {
        using var invoker = new System.Net.Http.HttpMessageInvoker(new System.Net.Http.SocketsHttpHandler());
        var options = new ResilientWebSocketOptions
        {
            Uri = new Uri("wss://example.com/feed"),
            Transport = { HttpInvoker = invoker, VersionPolicy = WebSocketVersionPolicy.RequestVersionExact, Compression = new PerMessageDeflateOptions() },
        };

        FluentActions.Invoking(options.Validate).Should().NotThrow();
    }
#endif
}
