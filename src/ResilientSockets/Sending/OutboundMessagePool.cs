using System;
using System.Net.WebSockets;
using System.Threading;

namespace ResilientSockets.Sending;

/// <summary>
/// A small process-wide pool of awaited messages, so a send that has to queue (link not open, another writer busy)
/// allocates nothing. Fixed slots taken and filled with compare-and-swap: no lock, and a full pool simply lets the
/// message go to the garbage collector.
/// </summary>
internal static class OutboundMessagePool
{
    private static readonly OutboundMessage?[] Slots = new OutboundMessage?[64];

    public static OutboundMessage Rent(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, byte[]? rented)
    {
        var slots = Slots;
        for (var i = 0; i < slots.Length; i++)
        {
            var candidate = Volatile.Read(ref slots[i]);
            if (candidate is not null && Interlocked.CompareExchange(ref slots[i], null, candidate) == candidate)
            {
                candidate.Reset(payload, messageType, rented, poolable: true);
                return candidate;
            }
        }

        var message = new OutboundMessage(payload, messageType, rented);
        message.Reset(payload, messageType, rented, poolable: true);
        return message;
    }

    public static void Return(OutboundMessage message)
    {
        var slots = Slots;
        for (var i = 0; i < slots.Length; i++)
        {
            if (Volatile.Read(ref slots[i]) is null && Interlocked.CompareExchange(ref slots[i], message, null) is null)
            {
                return;
            }
        }
    }
}
