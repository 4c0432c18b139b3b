namespace ResilientSockets.Outbox;

internal sealed class OutboxQueue
{
    public int Count => 0;
}
