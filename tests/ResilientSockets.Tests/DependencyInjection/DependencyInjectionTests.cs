using FluentAssertions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.DependencyInjection;

public sealed class DependencyInjectionTests
{
    [Fact]
    public async Task Named_clients_resolve_from_the_factory_with_the_containers_logger_and_clock()
    {
        var time = new ObservableTimeProvider();
        var logger = new CapturingLogger();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton<ILoggerFactory>(new SingleLoggerFactory(logger));
        services.AddResilientWebSocket("prices", o => o.Uri = new Uri("ws://127.0.0.1:9/prices"));
        services.AddResilientWebSocket("orders", o => o.Uri = new Uri("ws://127.0.0.1:9/orders"));
        await using var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<IResilientWebSocketFactory>();

        var prices = factory.Get("prices");

        prices.Should().BeSameAs(factory.Get("prices"), "one client per name");
        factory.Get("orders").Should().NotBeSameAs(prices);
        prices.Options.Uri!.AbsolutePath.Should().Be("/prices");
        prices.Options.Name.Should().Be("prices");
        prices.Options.TimeProvider.Should().BeSameAs(time);
        await prices.StopAsync();
        logger.Entries.Should().NotBeEmpty("the client logs through the container's logger factory");
        FluentActions.Invoking(() => factory.Get("missing")).Should().Throw<InvalidOperationException>().WithMessage("*'missing'*prices*orders*");
    }

    [Fact]
    public async Task Options_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sockets:Feed:Uri"] = "wss://example.com/feed",
            ["Sockets:Feed:CloseTimeout"] = "00:00:03",
            ["Sockets:Feed:Reconnect:Delay"] = "00:00:02",
            ["Sockets:Feed:Reconnect:MaxAttempts"] = "7",
            ["Sockets:Feed:Sending:OverflowPolicy"] = "DropOldest",
            ["Sockets:Feed:Heartbeat:Enabled"] = "true",
            ["Sockets:Feed:Heartbeat:Interval"] = "00:00:15",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddResilientWebSocket("feed").BindConfiguration("Sockets:Feed");
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<IResilientWebSocketFactory>().Get("feed");

        client.Options.Uri.Should().Be(new Uri("wss://example.com/feed"));
        client.Options.CloseTimeout.Should().Be(TimeSpan.FromSeconds(3));
        client.Options.Reconnect.Delay.Should().Be(TimeSpan.FromSeconds(2));
        client.Options.Reconnect.MaxAttempts.Should().Be(7);
        client.Options.Sending.OverflowPolicy.Should().Be(OverflowPolicy.DropOldest);
        client.Options.Heartbeat.Enabled.Should().BeTrue();
        client.Options.Heartbeat.Interval.Should().Be(TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Invalid_options_fail_the_host_at_start_listing_every_problem()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddResilientWebSocket("bad", o =>
        {
            o.Uri = new Uri("http://example.com/feed");
            o.Reconnect.Delay = TimeSpan.Zero;
        });
        using var host = builder.Build();

        var error = (await host.Invoking(h => h.StartAsync()).Should().ThrowAsync<OptionsValidationException>()).Which;

        error.Message.Should().Contain("'bad'").And.Contain("ws://").And.Contain("Reconnect.Delay");
    }

    [Fact]
    public async Task The_hosted_client_starts_and_stops_with_the_host()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddResilientWebSocket("live", o => o.Uri = server.GetUri("/echo")).AddHostedClient();
        using var host = builder.Build();
        var client = host.Services.GetRequiredService<IResilientWebSocketFactory>().Get("live");

        await host.StartAsync();
        client.State.Should().Be(ConnectionState.Open);
        await server.WaitForConnectionAsync(1, TestTimeouts.Signal);

        await host.StopAsync();
        client.State.Should().Be(ConnectionState.Closed);
    }

    private sealed class SingleLoggerFactory(ILogger logger) : ILoggerFactory
    {
        public void AddProvider(ILoggerProvider provider)
        {
        }

        public ILogger CreateLogger(string categoryName) => logger;

        public void Dispose()
        {
        }
    }
}
