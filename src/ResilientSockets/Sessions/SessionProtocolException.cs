namespace ResilientSockets;

/// <summary>
/// A session frame broke a rule of the session wire format. The connection is closed with status 1002 (protocol error)
/// and the reason; the session ends.
/// </summary>
public sealed class SessionProtocolException : ResilientWebSocketException
{
    internal SessionProtocolException(string message)
        : base(message)
    {
    }
}
