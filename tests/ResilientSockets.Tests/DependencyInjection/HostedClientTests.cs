using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.DependencyInjection;

/// <summary>AddHostedClient in a real Generic Host, against a live server and against one that is down.</summary>
public sealed class HostedClientTests
{
    [Fact]
    public async Task By_default_the_host_starts_at_once_and_the_client_connects_in_the_background()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        using var host = BuildHost(server.GetUri("/echo"), out var logger);
        var client = host.Services.GetRequiredService<IResilientWebSocketFactory>().Get("live");
        var states = new StateRecorder(client);

        await host.StartAsync().WaitAsync(TestTimeouts.Signal);
        await states.WaitForAsync(ConnectionState.Open, timeout: TestTimeouts.Signal);
        await server.WaitForConnectionAsync(1, TestTimeouts.Signal);

        await host.StopAsync();
        client.State.Should().Be(ConnectionState.Closed);
        logger.Entries.Should().NotContain(e => e.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task With_the_server_down_the_host_starts_at_once_and_stops_cleanly()
    {
        using var host = BuildHost(await DownServerUriAsync(), out var logger);
        var client = host.Services.GetRequiredService<IResilientWebSocketFactory>().Get("live");
        var states = new StateRecorder(client);

        await host.StartAsync().WaitAsync(TestTimeouts.Signal);
        await states.WaitForAsync(ConnectionState.Reconnecting, timeout: TestTimeouts.Signal);
        client.State.Should().NotBe(ConnectionState.Open);

        await host.StopAsync().WaitAsync(TestTimeouts.Signal);
        client.State.Should().Be(ConnectionState.Closed);
        logger.Entries.Should().NotContain(e => e.Level >= LogLevel.Error, "a stop while connecting is not a failure");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Stopping_a_running_host_while_the_client_is_still_connecting_ends_without_an_exception(bool waitForFirstConnection)
    {
        using var host = BuildHost(await DownServerUriAsync(), out var logger, o => o.WaitForFirstConnection = waitForFirstConnection);
        var client = host.Services.GetRequiredService<IResilientWebSocketFactory>().Get("live");
        var states = new StateRecorder(client);
        var run = host.RunAsync();

        // What Ctrl+C does: the console lifetime asks the application to stop.
        await states.WaitForAsync(ConnectionState.Reconnecting, timeout: TestTimeouts.Signal);
        run.IsCompleted.Should().BeFalse();
        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        await run.WaitAsync(TestTimeouts.Signal);
        run.IsCompletedSuccessfully.Should().BeTrue();
        client.State.Should().Be(ConnectionState.Closed);
        logger.Entries.Should().NotContain(e => e.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task A_client_that_gives_up_in_the_background_is_logged_and_the_host_keeps_running()
    {
        using var host = BuildHost(await DownServerUriAsync(), out var logger, configureClient: o => o.Reconnect.MaxAttempts = 1);
        var client = host.Services.GetRequiredService<IResilientWebSocketFactory>().Get("live");
        var states = new StateRecorder(client);

        await host.StartAsync().WaitAsync(TestTimeouts.Signal);
        await states.WaitForAsync(ConnectionState.Faulted, timeout: TestTimeouts.Signal);
        await Eventually.TrueAsync(() => logger.Entries.Any(e => e.Id.Name == "HostedClientGaveUp"), "the give-up is logged");

        logger.Entries.Single(e => e.Id.Name == "HostedClientGaveUp").Level.Should().Be(LogLevel.Error);
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested.Should().BeFalse();
        await host.StopAsync().WaitAsync(TestTimeouts.Signal);
    }

    [Fact]
    public async Task Waiting_for_the_first_connection_is_opt_in_and_holds_startup_until_open()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        using var host = BuildHost(server.GetUri("/echo"), out _, o => o.WaitForFirstConnection = true);
        var client = host.Services.GetRequiredService<IResilientWebSocketFactory>().Get("live");

        await host.StartAsync().WaitAsync(TestTimeouts.Signal);

        client.State.Should().Be(ConnectionState.Open);
        await host.StopAsync();
        client.State.Should().Be(ConnectionState.Closed);
    }

    [Fact]
    public async Task Waiting_for_the_first_connection_fails_the_start_when_the_client_gives_up()
    {
        using var host = BuildHost(await DownServerUriAsync(), out _, o => o.WaitForFirstConnection = true, o => o.Reconnect.MaxAttempts = 1);

        await host.Invoking(h => h.StartAsync().WaitAsync(TestTimeouts.Signal)).Should().ThrowAsync<WebSocketConnectException>();
    }

    private static IHost BuildHost(Uri uri, out CapturingLogger logger, Action<HostedClientOptions>? configureHosting = null, Action<ResilientWebSocketOptions>? configureClient = null)
    {
        var captured = new CapturingLogger();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(new CapturingLoggerProvider(captured));
        builder.Services.AddResilientWebSocket("live", o =>
        {
            o.Uri = uri;
            o.Reconnect.Delay = TimeSpan.FromMilliseconds(20);
            configureClient?.Invoke(o);
        }).AddHostedClient(configureHosting);
        logger = captured;
        return builder.Build();
    }

    /// <summary>An address where nothing listens: a loopback server's port, after that server is gone.</summary>
    private static async Task<Uri> DownServerUriAsync()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        return server.GetUri("/echo");
    }

    private sealed class CapturingLoggerProvider(CapturingLogger logger) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => logger;

        public void Dispose()
        {
        }
    }
}
