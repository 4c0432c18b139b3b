using System.Net.WebSockets;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using ResilientSockets.Platform;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Platform;

/// <summary>
/// The browser's path, taken on this runtime through the <c>IsBrowser</c> seam (tests cannot run in WebAssembly; the
/// sample's Chromium test in tests/ResilientSockets.Browser.Tests proves the real thing).
/// </summary>
public sealed class BrowserPlatformTests
{
    private static readonly Uri Address = new("ws://127.0.0.1:1/echo");

    private static ResilientWebSocketOptions BrowserOptions(Action<ResilientWebSocketOptions>? configure = null)
    {
        var options = new ResilientWebSocketOptions { Uri = Address, IsBrowser = true };
        configure?.Invoke(options);
        return options;
    }

    [Fact]
    public void In_the_browser_a_shared_invoker_is_rejected_at_construction_with_the_reason()
    {
        using var invoker = new System.Net.Http.HttpMessageInvoker(new System.Net.Http.SocketsHttpHandler());
        var create = () => new ResilientWebSocket(BrowserOptions(o => o.Transport.HttpInvoker = invoker));

        create.Should().Throw<ArgumentException>().WithMessage("*Transport.HttpInvoker is not supported in the browser*");
    }

    [Fact]
    public void In_the_browser_an_http_version_or_version_policy_is_rejected_at_construction()
    {
        var version = () => new ResilientWebSocket(BrowserOptions(o => o.Transport.HttpVersion = new Version(2, 0)));
        var policy = () => new ResilientWebSocket(BrowserOptions(o => o.Transport.VersionPolicy = WebSocketVersionPolicy.RequestVersionExact));

        version.Should().Throw<ArgumentException>().WithMessage("*Transport.HttpVersion and Transport.VersionPolicy are not supported in the browser*");
        policy.Should().Throw<ArgumentException>().WithMessage("*Transport.HttpVersion and Transport.VersionPolicy are not supported in the browser*");
    }

    [Fact]
    public void In_the_browser_a_changed_keep_alive_timeout_is_rejected_and_the_message_names_the_alternatives()
    {
        var create = () => new ResilientWebSocket(BrowserOptions(o => o.Heartbeat.KeepAliveTimeout = TimeSpan.FromSeconds(3)));

        create.Should().Throw<ArgumentException>()
            .WithMessage("*Heartbeat.KeepAliveTimeout (00:00:03) is not supported in the browser*Heartbeat.Enabled or Heartbeat.ReceiveTimeout*");
    }

    [Fact]
    public async Task In_the_browser_default_options_are_accepted_and_nothing_is_logged_about_them()
    {
        var logger = new FakeLogger();
        await using var client = new ResilientWebSocket(BrowserOptions(o => o.Lifecycle.Connectivity = null), logger);
        _ = client.StartAsync();
        await client.StopAsync().WaitAsync(TestTimeouts.Signal);

        logger.Collector.GetSnapshot().Should().NotContain(r => r.Id.Name == "BrowserIgnoredOptions");
    }

    [Fact]
    public void Outside_the_browser_the_same_settings_are_accepted()
    {
        var create = () => new ResilientWebSocket(new ResilientWebSocketOptions
        {
            Uri = Address,
            IsBrowser = false,
            Heartbeat = { KeepAliveTimeout = TimeSpan.FromSeconds(3) },
            Transport = { HttpVersion = new Version(2, 0) },
        });

        create.Should().NotThrow();
    }

    [Fact]
    public async Task In_the_browser_a_changed_keep_alive_interval_and_compression_are_ignored_with_one_warning_per_client()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var logger = new FakeLogger();
        await using var client = new ResilientWebSocket(
            new ResilientWebSocketOptions
            {
                Uri = server.GetUri(),
                IsBrowser = true,
                Lifecycle = { Connectivity = null },
                Heartbeat = { KeepAliveInterval = TimeSpan.FromSeconds(5) },
                Transport = { Compression = new PerMessageDeflateOptions() },
            },
            logger);

        await client.StartAsync().WaitAsync(TestTimeouts.Signal);
        server.AbortAll();
        await server.WaitUntilAsync(s => s.HandshakeCount >= 2, TestTimeouts.Signal);
        await client.WaitUntilOpenAsync().WaitAsync(TestTimeouts.Signal);

        var warnings = logger.Collector.GetSnapshot().Where(r => r.Id.Name == "BrowserIgnoredOptions").ToList();
        warnings.Should().ContainSingle().Which.Level.Should().Be(LogLevel.Warning);
        warnings[0].Message.Should().Contain("Heartbeat.KeepAliveInterval").And.Contain("Transport.Compression");
        // Ignored means not applied: the handshake offered no permessage-deflate.
        server.Connections.Should().OnlyContain(c => !c.RequestHeaders.Keys.Any(k => k.Equals("Sec-WebSocket-Extensions", StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public void In_the_browser_keep_alive_and_response_details_are_left_unset_on_the_socket()
    {
        var heartbeat = new HeartbeatOptions { KeepAliveInterval = TimeSpan.FromSeconds(5), KeepAliveTimeout = TimeSpan.FromSeconds(2) };
        using var browser = new ClientWebSocket();
        using var desktop = new ClientWebSocket();

        BrowserPlatform.ApplySocketOptions(browser.Options, heartbeat, isBrowser: true);
        BrowserPlatform.ApplySocketOptions(desktop.Options, heartbeat, isBrowser: false);

        browser.Options.KeepAliveInterval.Should().NotBe(TimeSpan.FromSeconds(5));
        browser.Options.KeepAliveTimeout.Should().NotBe(TimeSpan.FromSeconds(2));
        browser.Options.CollectHttpResponseDetails.Should().BeFalse();
        desktop.Options.KeepAliveInterval.Should().Be(TimeSpan.FromSeconds(5));
        desktop.Options.KeepAliveTimeout.Should().Be(TimeSpan.FromSeconds(2));
        desktop.Options.CollectHttpResponseDetails.Should().BeTrue();
    }

    [Fact]
    public async Task An_OnConnecting_hook_that_sets_something_the_platform_does_not_support_faults_at_once_with_the_token_advice()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var calls = 0;
        await using var client = Sut.Create(server.GetUri(), o =>
        {
            o.Lifecycle.Connectivity = null;
            o.OnConnecting = (_, _) =>
            {
                Interlocked.Increment(ref calls);
                // What ClientWebSocketOptions.SetRequestHeader throws in browser WebAssembly.
                throw new PlatformNotSupportedException("Operation is not supported on this platform.");
            };
        });

        var start = () => client.StartAsync().WaitAsync(TestTimeouts.Signal);

        (await start.Should().ThrowAsync<WebSocketConnectException>())
            .Which.Message.Should().Contain("query string").And.Contain("AddSubProtocol");
        calls.Should().Be(1);
        client.State.Should().Be(ConnectionState.Faulted);
        server.HandshakeCount.Should().Be(0);
    }

    [Fact]
    public async Task In_the_browser_Dispose_starts_the_disposal_and_returns_without_waiting_for_the_close_handshake()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var client = new ResilientWebSocket(new ResilientWebSocketOptions
        {
            Uri = server.GetUri(),
            IsBrowser = true,
            Lifecycle = { Connectivity = null },
            CloseTimeout = TestTimeouts.Signal,
        });
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.StateChanged += (_, e) =>
        {
            if (e.State == ConnectionState.Closed)
            {
                closed.TrySetResult();
            }
        };
        await client.StartAsync().WaitAsync(TestTimeouts.Signal);
        server.BlackHole();   // the server never answers the close: a blocking Dispose would wait out CloseTimeout

        client.Dispose();

        client.State.Should().Be(ConnectionState.Closing, "Dispose returned before the close handshake could finish");
        server.AbortAll();
        await closed.Task.WaitAsync(TestTimeouts.Signal);
    }
}
