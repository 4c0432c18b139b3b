using System;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ResilientSockets;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ResilientSockets clients in a service collection (the counterpart of <c>AddHttpClient</c>).</summary>
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

        services.AddOptions<ResilientWebSocketBindingOptions>(name);
        services.AddSingleton<IValidateOptions<ResilientWebSocketOptions>>(sp =>
            new ResilientWebSocketOptionsValidator(name, sp.GetRequiredService<IOptionsMonitor<ResilientWebSocketBindingOptions>>()));
        services.AddSingleton(new ResilientWebSocketRegistration(name));
        services.TryAddSingleton<ResilientWebSocketFactory>();
        services.TryAddSingleton<IResilientWebSocketFactory>(sp => sp.GetRequiredService<ResilientWebSocketFactory>());
        return new ResilientWebSocketBuilder(name, services);
    }
}
