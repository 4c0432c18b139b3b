using System;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ResilientSockets;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures a client registered with <see cref="ResilientWebSocketServiceCollectionExtensions.AddResilientWebSocket"/> (the counterpart of <c>HttpClientBuilderExtensions</c>).</summary>
public static class ResilientWebSocketBuilderExtensions
{
    /// <summary>
    /// Binds the client's options from a configuration section (for example <c>"Sockets:Prices"</c>): Uri, Name,
    /// CloseTimeout, Reconnect, Sending, Receiving, Heartbeat. Validation errors then name the configuration key
    /// (<c>Sockets:Prices:Uri</c>).
    /// </summary>
    /// <param name="builder">The registration.</param>
    /// <param name="sectionPath">The section's path in the app configuration.</param>
    /// <returns>The builder.</returns>
    public static IResilientWebSocketBuilder BindConfiguration(this IResilientWebSocketBuilder builder, string sectionPath)
    {
        if (builder is null)
        {
            throw new ArgumentNullException(nameof(builder));
        }

        if (sectionPath is null)
        {
            throw new ArgumentNullException(nameof(sectionPath));
        }

        builder.Services.AddOptions<ResilientWebSocketOptions>(builder.Name).BindConfiguration(sectionPath);
        builder.Services.Configure<ResilientWebSocketBindingOptions>(builder.Name, b => b.SectionPath = sectionPath);
        return builder;
    }

    /// <summary>Binds the client's options from a configuration section. Validation errors then name the configuration key.</summary>
    /// <param name="builder">The registration.</param>
    /// <param name="section">The section.</param>
    /// <returns>The builder.</returns>
    public static IResilientWebSocketBuilder Bind(this IResilientWebSocketBuilder builder, IConfiguration section)
    {
        if (builder is null)
        {
            throw new ArgumentNullException(nameof(builder));
        }

        if (section is null)
        {
            throw new ArgumentNullException(nameof(section));
        }

        builder.Services.AddOptions<ResilientWebSocketOptions>(builder.Name).Bind(section);
        var path = section is IConfigurationSection named ? named.Path : string.Empty;
        builder.Services.Configure<ResilientWebSocketBindingOptions>(builder.Name, b => b.SectionPath = path);
        return builder;
    }

    /// <summary>
    /// Starts the client with the host (after options validation) and stops it when the host stops. By default the
    /// host does not wait for the connection: the client connects and retries in the background, a client that gives
    /// up is logged, and stopping the host while it is still connecting ends cleanly. Set
    /// <see cref="HostedClientOptions.WaitForFirstConnection"/> to hold host startup until the first connection opens.
    /// </summary>
    /// <param name="builder">The registration.</param>
    /// <param name="configure">Configures how the client starts; <see langword="null"/> keeps the defaults.</param>
    /// <returns>The builder.</returns>
    public static IResilientWebSocketBuilder AddHostedClient(this IResilientWebSocketBuilder builder, Action<HostedClientOptions>? configure = null)
    {
        if (builder is null)
        {
            throw new ArgumentNullException(nameof(builder));
        }

        var name = builder.Name;
        var options = new HostedClientOptions();
        configure?.Invoke(options);
        builder.Services.AddSingleton<IHostedService>(sp => new ResilientWebSocketHostedService(
            sp.GetRequiredService<IResilientWebSocketFactory>(),
            name,
            options,
            sp.GetService<ILoggerFactory>()?.CreateLogger("ResilientSockets.Hosting") ?? NullLogger.Instance));
        return builder;
    }
}
