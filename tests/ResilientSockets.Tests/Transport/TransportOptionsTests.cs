using FluentAssertions;
using Xunit;

namespace ResilientSockets.Tests.Transport;

public sealed class TransportOptionsTests
{
    [Fact]
    public void Defaults_are_HTTP11_without_an_invoker_downgrade_allowed_and_no_compression()
    {
        var options = new TransportOptions();

        options.HttpInvoker.Should().BeNull();
        options.HttpVersion.Should().BeNull();
        options.EffectiveHttpVersion.Should().Be(new Version(1, 1));
        options.VersionPolicy.Should().Be(WebSocketVersionPolicy.RequestVersionOrLower);
        options.Compression.Should().BeNull();
        new PerMessageDeflateOptions().ClientMaxWindowBits.Should().Be(15);
        new PerMessageDeflateOptions().ServerContextTakeover.Should().BeTrue();
    }

    [Fact]
    public void With_an_invoker_the_default_version_is_HTTP2()
    {
        using var invoker = new System.Net.Http.HttpMessageInvoker(new System.Net.Http.SocketsHttpHandler());

        new TransportOptions { HttpInvoker = invoker }.EffectiveHttpVersion.Should().Be(new Version(2, 0));
    }

    [Fact]
    public void Invalid_transport_settings_are_all_listed_in_one_exception()
    {
        var options = new ResilientWebSocketOptions
        {
            Uri = new Uri("ws://localhost/"),
            Transport =
            {
                HttpVersion = new Version(3, 0),
                VersionPolicy = (WebSocketVersionPolicy)7,
                Compression = new PerMessageDeflateOptions { ClientMaxWindowBits = 8, ServerMaxWindowBits = 16 },
            },
        };

        var error = options.Invoking(o => o.Validate()).Should().Throw<ArgumentException>().Which;

        error.Message.Should().Contain("4 problems")
            .And.Contain("Transport.HttpVersion must be 1.1 or 2.0")
            .And.Contain("Transport.VersionPolicy")
            .And.Contain("ClientMaxWindowBits must be 9 to 15")
            .And.Contain("ServerMaxWindowBits must be 9 to 15");
    }

    [Fact]
    public void The_client_copies_the_transport_settings_so_later_edits_have_no_effect()
    {
        var options = new ResilientWebSocketOptions { Uri = new Uri("ws://localhost/"), Transport = { Compression = new PerMessageDeflateOptions() } };
        using var client = new ResilientWebSocket(options);

        options.Transport.Compression.ClientMaxWindowBits = 9;

        client.Options.Transport.Compression!.ClientMaxWindowBits.Should().Be(15);
    }
}
