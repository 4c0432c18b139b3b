namespace ResilientSockets;

/// <summary>Which way a message was travelling.</summary>
public enum MessageDirection
{
    /// <summary>From this client to the server.</summary>
    Outbound = 0,

    /// <summary>From the server to a reader of this client.</summary>
    Inbound = 1,
}
