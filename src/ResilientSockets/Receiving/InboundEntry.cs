using System;
using System.Net.WebSockets;

namespace ResilientSockets.Receiving;

/// <summary>
/// One message waiting in a reader's queue: an owned array (shared by readers that keep it), or a slice of pooled memory
/// (<see cref="SharedPayload"/>) that each reader holding it keeps one reference to.
/// </summary>
internal readonly struct InboundEntry
{
    private readonly byte[] _array;
    private readonly int _offset;

    public InboundEntry(WebSocketMessageType type, byte[] owned)
        : this(type, owned, 0, owned.Length, null, false)
    {
    }

    private InboundEntry(WebSocketMessageType type, byte[] array, int offset, int length, SharedPayload? shared, bool charged)
    {
        MessageType = type;
        _array = array;
        _offset = offset;
        Length = length;
        Shared = shared;
        Charged = charged;
    }

    public WebSocketMessageType MessageType { get; }

    public int Length { get; }

    public SharedPayload? Shared { get; }

    /// <summary>Gets a value indicating whether the entry is counted against the client's receive budget (held past a reader's capacity).</summary>
    public bool Charged { get; }

    /// <summary>A slice of a slab; the entry owns one reference that <see cref="PayloadSlab.Append"/> took.</summary>
    public static InboundEntry InSlab(WebSocketMessageType type, PayloadSlab slab, int offset, int length)
        => new(type, slab.Buffer, offset, length, slab, false);

    /// <summary>A payload of its own in a pooled array; the entry owns the one reference.</summary>
    public static InboundEntry Pooled(WebSocketMessageType type, PooledPayload payload, int length)
        => new(type, payload.Array, 0, length, payload, false);

    public InboundEntry AsCharged() => new(MessageType, _array, _offset, Length, Shared, true);

    /// <summary>A message that stays valid for ever: the owned array, or a copy of the pooled slice (which is then released).</summary>
    public WebSocketMessage Detach()
    {
        if (Shared is { } shared)
        {
            var copy = Length == 0 ? Array.Empty<byte>() : _array.AsSpan(_offset, Length).ToArray();
            shared.Release();
            return new WebSocketMessage(MessageType, copy);
        }

        return new WebSocketMessage(MessageType, _array);
    }

    /// <summary>A view of the payload, valid until <see cref="Release"/>.</summary>
    public WebSocketMessage View() => new(MessageType, _array.AsMemory(_offset, Length));

    public void Release() => Shared?.Release();
}
