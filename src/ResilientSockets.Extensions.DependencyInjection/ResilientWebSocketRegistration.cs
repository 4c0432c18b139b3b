namespace ResilientSockets;

/// <summary>Marks a name registered with AddResilientWebSocket, so the factory can refuse unknown names.</summary>
internal sealed class ResilientWebSocketRegistration(string name)
{
    public string Name { get; } = name;
}
