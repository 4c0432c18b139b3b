namespace ResilientSockets;

/// <summary>What a received message is, as an <see cref="ISubscriptionProtocol"/> classified it.</summary>
public enum ProtocolMessageKind
{
    /// <summary>Not a message of the protocol: it goes to the ordinary readers and handlers.</summary>
    Unrecognized = 0,

    /// <summary>A protocol message the adapter dealt with itself (a keep-alive, an acknowledgement): dropped quietly.</summary>
    Handled,

    /// <summary>A message for a subscription, routed by <see cref="ProtocolMessage.Key"/> (a subscription id or a topic).</summary>
    Event,

    /// <summary>A successful answer to the request (or subscription) whose id is <see cref="ProtocolMessage.Key"/>.</summary>
    Response,

    /// <summary>An error answer to the request or subscription whose id is <see cref="ProtocolMessage.Key"/>.</summary>
    Error,

    /// <summary>The server ended the subscription (or request stream) whose id is <see cref="ProtocolMessage.Key"/>.</summary>
    Completed,

    /// <summary>A message that claims to be the protocol's but is not well formed: logged and dropped.</summary>
    Malformed,
}
