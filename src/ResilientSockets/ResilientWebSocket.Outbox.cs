using ResilientSockets.Outbox;

namespace ResilientSockets;

public sealed partial class ResilientWebSocket
{
    private readonly OutboxQueue? _outbox = null;

    /// <summary>
    /// Gets how many durable messages the outbox holds: accepted and not yet written (no session) or not yet acknowledged
    /// (with a session). 0 without <see cref="ResilientWebSocketOptions.Outbox"/>.
    /// </summary>
    public int OutboxCount => _outbox?.Count ?? 0;
}
