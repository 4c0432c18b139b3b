using System;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ResilientSockets;

/// <summary>Registers ResilientSockets clients in a service collection.</summary>
/// <example>
/// <code>
/// services.AddResilientWebSocket("prices", o => o.Uri = new Uri("wss://example.com/prices"))
///         .BindConfiguration("Sockets:Prices")
///         .AddHostedClient();
/// // later: factory.Get("prices")
/// </code>
/// </example>
public static class ResilientWebSocketServiceCollectionExtensions
{
    /// <summary>
    /// Registers a named client: named <see cref="ResilientWebSocketOptions"/> (validated when the host starts),
    /// <see cref="IResilientWebSocketFactory"/> to resolve it, and the container's <c>ILoggerFactory</c>,
    /// <see cref="TimeProvider"/> and <c>IMeterFactory</c> when registered.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The client's name (also its logging scope and metrics tag).</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>A builder for further configuration.</returns>
    public static IResilientWebSocketBuilder AddResilientWebSocket(this IServiceCollection services, string name, Action<ResilientWebSocketOptions>? configure = null)
    {
        if (services is null)
        {
            throw new ArgumentNullException(nameof(services));
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("A client needs a name.", nameof(name));
        }

        var optionsBuilder = services.AddOptions<ResilientWebSocketOptions>(name).ValidateOnStart();
        optionsBuilder.Configure(o => o.Name = name);
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        services.AddSingleton<IValidateOptions<ResilientWebSocketOptions>>(new ResilientWebSocketOptionsValidator(name));
        services.AddSingleton(new ResilientWebSocketRegistration(name));
        services.TryAddSingleton<ResilientWebSocketFactory>();
        services.TryAddSingleton<IResilientWebSocketFactory>(sp => sp.GetRequiredService<ResilientWebSocketFactory>());
        return new ResilientWebSocketBuilder(name, services);
    }

    /// <summary>Binds the client's options from a configuration section (for example <c>"Sockets:Prices"</c>): Uri, Name, CloseTimeout, Reconnect, Sending, Receiving, Heartbeat.</summary>
    /// <param name="builder">The registration.</param>
    /// <param name="sectionPath">The section's path in the app configuration.</param>
    /// <returns>The builder.</returns>
    public static IResilientWebSocketBuilder BindConfiguration(this IResilientWebSocketBuilder builder, string sectionPath)
    {
        if (builder is null)
        {
            throw new ArgumentNullException(nameof(builder));
        }

        builder.Services.AddOptions<ResilientWebSocketOptions>(builder.Name).BindConfiguration(sectionPath);
        return builder;
    }

    /// <summary>Binds the client's options from a configuration section.</summary>
    /// <param name="builder">The registration.</param>
    /// <param name="section">The section.</param>
    /// <returns>The builder.</returns>
    public static IResilientWebSocketBuilder Bind(this IResilientWebSocketBuilder builder, IConfiguration section)
    {
        if (builder is null)
        {
            throw new ArgumentNullException(nameof(builder));
        }

        builder.Services.AddOptions<ResilientWebSocketOptions>(builder.Name).Bind(section);
        return builder;
    }

    /// <summary>Starts the client with the host (after options validation) and stops it when the host stops.</summary>
    /// <param name="builder">The registration.</param>
    /// <returns>The builder.</returns>
    public static IResilientWebSocketBuilder AddHostedClient(this IResilientWebSocketBuilder builder)
    {
        if (builder is null)
        {
            throw new ArgumentNullException(nameof(builder));
        }

        var name = builder.Name;
        builder.Services.AddSingleton<IHostedService>(sp => new ResilientWebSocketHostedService(sp.GetRequiredService<IResilientWebSocketFactory>(), name));
        return builder;
    }
}
