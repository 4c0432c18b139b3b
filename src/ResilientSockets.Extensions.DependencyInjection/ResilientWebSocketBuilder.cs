using Microsoft.Extensions.DependencyInjection;

namespace ResilientSockets;

internal sealed class ResilientWebSocketBuilder(string name, IServiceCollection services) : IResilientWebSocketBuilder
{
    public string Name { get; } = name;

    public IServiceCollection Services { get; } = services;
}
