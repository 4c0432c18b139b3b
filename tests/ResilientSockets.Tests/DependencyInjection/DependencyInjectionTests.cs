using FluentAssertions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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
    public async Task A_validation_error_from_configuration_names_the_configuration_key()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sockets:Prices:Uri"] = "http://example.com/prices",
            ["Sockets:Prices:Reconnect:Delay"] = "00:00:00",
        });
        builder.Services.AddResilientWebSocket("prices").BindConfiguration("Sockets:Prices");
        using var host = builder.Build();

        var error = (await host.Invoking(h => h.StartAsync()).Should().ThrowAsync<OptionsValidationException>()).Which;

        error.Failures.Should().HaveCount(2);
        error.Failures.Should().Contain(f => f.Contains("'Sockets:Prices:Uri'") && f.Contains("ws://"));
        error.Failures.Should().Contain(f => f.Contains("'Sockets:Prices:Reconnect:Delay'"));
        error.Message.Should().NotContain("(Parameter", "each problem stands on its own");
    }

    [Fact]
    public async Task A_validation_error_without_configuration_names_the_option_only()
    {
        var services = new ServiceCollection();
        services.AddResilientWebSocket("coded", o => o.Uri = new Uri("http://example.com/feed"));
        await using var provider = services.BuildServiceProvider();

        var error = FluentActions.Invoking(() => provider.GetRequiredService<IResilientWebSocketFactory>().Get("coded"))
            .Should().Throw<OptionsValidationException>().Which;

        error.Failures.Should().ContainSingle().Which.Should().StartWith("ResilientWebSocket 'coded': Uri ").And.NotContain("configuration key");
    }

    [Fact]
    public void The_registration_extensions_live_where_every_Microsoft_Extensions_package_puts_them()
    {
        typeof(ResilientWebSocketServiceCollectionExtensions).Namespace.Should().Be("Microsoft.Extensions.DependencyInjection");
        typeof(ResilientWebSocketBuilderExtensions).Namespace.Should().Be("Microsoft.Extensions.DependencyInjection");
        typeof(IResilientWebSocketBuilder).Namespace.Should().Be("Microsoft.Extensions.DependencyInjection");
        typeof(IResilientWebSocketFactory).Namespace.Should().Be("ResilientSockets");
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
