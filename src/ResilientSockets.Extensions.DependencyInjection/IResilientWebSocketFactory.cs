namespace ResilientSockets;

/// <summary>Resolves the clients registered with <c>AddResilientWebSocket</c>, by name. Each name is one client for the container's lifetime.</summary>
public interface IResilientWebSocketFactory
{
    /// <summary>Gets the client registered under <paramref name="name"/>, creating it (not starting it) on first use.</summary>
    /// <param name="name">The registration name.</param>
    /// <returns>The client.</returns>
    /// <exception cref="System.InvalidOperationException">No client is registered under that name.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Its options are invalid.</exception>
    ResilientWebSocket Get(string name);
}
