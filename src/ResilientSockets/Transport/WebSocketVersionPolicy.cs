namespace ResilientSockets;

/// <summary>
/// How the HTTP version of the WebSocket handshake is chosen (the runtime's <c>HttpVersionPolicy</c>, which the
/// netstandard2.0 API lacks).
/// </summary>
public enum WebSocketVersionPolicy
{
    /// <summary>Use <see cref="TransportOptions.HttpVersion"/> or a lower version: an HTTP/2 attempt falls back to HTTP/1.1 when the server does not offer WebSockets over HTTP/2.</summary>
    RequestVersionOrLower = 0,

    /// <summary>Use <see cref="TransportOptions.HttpVersion"/> or a higher version.</summary>
    RequestVersionOrHigher = 1,

    /// <summary>Use exactly <see cref="TransportOptions.HttpVersion"/>; the handshake fails if the server cannot speak it (over <c>ws://</c> this is HTTP/2 with prior knowledge, h2c).</summary>
    RequestVersionExact = 2,
}
