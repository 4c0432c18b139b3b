using System;

namespace ResilientSockets.Server.Internal;

/// <summary>
/// A frame broke a rule that needs the session's state (sequence gap, ACK above what was sent). The codec's own
/// <see cref="SessionProtocolException"/> covers the rules a frame breaks alone; both close with 1002.
/// </summary>
internal sealed class SessionRuleException : Exception
{
    public SessionRuleException(string message)
        : base(message)
    {
    }
}
