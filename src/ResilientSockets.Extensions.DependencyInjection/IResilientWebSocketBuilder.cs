namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Configures one named ResilientSockets client registration, returned by
/// <see cref="ResilientWebSocketServiceCollectionExtensions.AddResilientWebSocket"/> (the counterpart of
/// <c>IHttpClientBuilder</c>).
/// </summary>
public interface IResilientWebSocketBuilder
{
    /// <summary>Gets the registration name.</summary>
    string Name { get; }

    /// <summary>Gets the service collection.</summary>
    IServiceCollection Services { get; }
}
