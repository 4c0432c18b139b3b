using System;
using System.Net.WebSockets;

namespace ResilientSockets.Receiving;

/// <summary>One message waiting in a reader's queue: an owned array, or a reference to a shared pooled payload.</summary>
internal readonly struct InboundEntry
{
    private readonly byte[]? _owned;

    public InboundEntry(WebSocketMessageType type, byte[] owned, bool charged = false)
    {
        MessageType = type;
        _owned = owned;
        Pooled = null;
        Charged = charged;
    }

    public InboundEntry(WebSocketMessageType type, PooledPayload pooled, bool charged = false)
    {
        MessageType = type;
        _owned = null;
        Pooled = pooled;
        Charged = charged;
    }

    public WebSocketMessageType MessageType { get; }

    public PooledPayload? Pooled { get; }

    /// <summary>Gets a value indicating whether the entry is counted against the client's receive budget (held past a reader's capacity).</summary>
    public bool Charged { get; }

    public bool IsEmpty => _owned is null && Pooled is null;

    public int Length => Pooled?.Length ?? _owned?.Length ?? 0;

    public InboundEntry AsCharged() => Pooled is { } pooled ? new(MessageType, pooled, true) : new(MessageType, _owned!, true);

    /// <summary>A message that stays valid for ever: the owned array, or a copy of the pooled one (which is then released).</summary>
    public WebSocketMessage Detach()
    {
        if (Pooled is { } pooled)
        {
            var copy = pooled.Length == 0 ? System.Array.Empty<byte>() : pooled.Memory.ToArray();
            pooled.Release();
            return new WebSocketMessage(MessageType, copy);
        }

        return new WebSocketMessage(MessageType, _owned!);
    }

    /// <summary>A view of the payload, valid until <see cref="Release"/>.</summary>
    public WebSocketMessage View() => new(MessageType, Pooled is { } pooled ? pooled.Memory : _owned!);

    public void Release() => Pooled?.Release();
}
