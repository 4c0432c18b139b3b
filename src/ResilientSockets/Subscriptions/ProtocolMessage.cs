using System;

namespace ResilientSockets;

/// <summary>
/// The classification of one received message (<see cref="ISubscriptionProtocol.Read"/>): a small value whose
/// <see cref="Key"/> and <see cref="Payload"/> are usually slices of the message itself, so routing allocates nothing.
/// </summary>
public readonly struct ProtocolMessage
{
    private ProtocolMessage(ProtocolMessageKind kind, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> payload, string? error)
    {
        Kind = kind;
        Key = key;
        Payload = payload;
        ErrorMessage = error;
    }

    /// <summary>Gets what the message is.</summary>
    public ProtocolMessageKind Kind { get; }

    /// <summary>Gets the UTF-8 id (or, for events, the id or the topic) the message is for.</summary>
    public ReadOnlyMemory<byte> Key { get; }

    /// <summary>Gets the raw JSON delivered to the consumer (an event's data, a response's result, an error's details).</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>Gets the server's error text (<see cref="ProtocolMessageKind.Error"/>) or what is wrong (<see cref="ProtocolMessageKind.Malformed"/>).</summary>
    public string? ErrorMessage { get; }

    /// <summary>Gets the result for a message that is not the protocol's (it goes to the ordinary readers).</summary>
    public static ProtocolMessage Unrecognized => default;

    /// <summary>Gets the result for a protocol message the adapter consumed itself.</summary>
    public static ProtocolMessage Handled => new(ProtocolMessageKind.Handled, default, default, null);

    /// <summary>A message for a subscription.</summary>
    /// <param name="key">The subscription id, or the topic, in UTF-8.</param>
    /// <param name="payload">What the consumer receives.</param>
    /// <returns>The classification.</returns>
    public static ProtocolMessage Event(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> payload) => new(ProtocolMessageKind.Event, key, payload, null);

    /// <summary>A successful response.</summary>
    /// <param name="id">The correlation id, in UTF-8.</param>
    /// <param name="payload">The result, raw JSON.</param>
    /// <returns>The classification.</returns>
    public static ProtocolMessage Response(ReadOnlyMemory<byte> id, ReadOnlyMemory<byte> payload) => new(ProtocolMessageKind.Response, id, payload, null);

    /// <summary>An error response (to a request, or a refused subscription).</summary>
    /// <param name="id">The correlation id, in UTF-8.</param>
    /// <param name="message">The server's error text.</param>
    /// <param name="payload">The error's details, raw JSON, or empty.</param>
    /// <returns>The classification.</returns>
    public static ProtocolMessage Error(ReadOnlyMemory<byte> id, string message, ReadOnlyMemory<byte> payload) => new(ProtocolMessageKind.Error, id, payload, message);

    /// <summary>The server ended a subscription or a request's stream.</summary>
    /// <param name="id">The id, in UTF-8.</param>
    /// <returns>The classification.</returns>
    public static ProtocolMessage Completed(ReadOnlyMemory<byte> id) => new(ProtocolMessageKind.Completed, id, default, null);

    /// <summary>A protocol message that is not well formed.</summary>
    /// <param name="reason">What is wrong with it (no payload content: it is logged).</param>
    /// <returns>The classification.</returns>
    public static ProtocolMessage Malformed(string reason) => new(ProtocolMessageKind.Malformed, default, default, reason);
}
