using Microsoft.Extensions.DependencyInjection;

namespace ResilientSockets;

/// <summary>Configures one named client registration.</summary>
public interface IResilientWebSocketBuilder
{
    /// <summary>Gets the registration name.</summary>
    string Name { get; }

    /// <summary>Gets the service collection.</summary>
    IServiceCollection Services { get; }
}
