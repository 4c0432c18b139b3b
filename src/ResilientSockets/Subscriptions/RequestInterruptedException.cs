using System;

namespace ResilientSockets;

/// <summary>
/// The link dropped after a request was written and before its response came, and the request was not marked
/// <see cref="RequestOptions.Idempotent"/>: the server may or may not have acted on it.
/// </summary>
public sealed class RequestInterruptedException : ResilientWebSocketException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="method">The method.</param>
    public RequestInterruptedException(string method)
        : base($"The connection dropped while '{method}' awaited its response; it was not sent again because it is not marked Idempotent (RequestOptions.Idempotent). Check on the server whether it took effect.")
    {
        Method = method;
    }

    /// <summary>Gets the method.</summary>
    public string Method { get; }
}
