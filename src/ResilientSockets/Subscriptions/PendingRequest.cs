using System;
using System.Threading;
using System.Threading.Tasks;

namespace ResilientSockets.Subscriptions;

/// <summary>One request awaiting its response. Completed exactly once: by the response, an error, the timeout, the caller's token, a drop or the stop.</summary>
internal sealed class PendingRequest
{
    public PendingRequest(string id, string method, byte[] message, bool idempotent, TimeSpan timeout)
    {
        Id = id;
        Key = Utf8Key.Of(id);
        Method = method;
        Message = message;
        Idempotent = idempotent;
        Timeout = timeout;
    }

    public string Id { get; }

    public Utf8Key Key { get; }

    public string Method { get; }

    /// <summary>Gets the whole request message, kept for a resend after a drop (idempotent requests).</summary>
    public byte[] Message { get; }

    public bool Idempotent { get; }

    public TimeSpan Timeout { get; }

    public TaskCompletionSource<ReadOnlyMemory<byte>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets or sets a value indicating whether the request reached a connection (so a drop leaves it in flight). Under the engine's lock.</summary>
    public bool Written { get; set; }

    /// <summary>Gets or sets a value indicating whether the next connection sends it again (idempotent, interrupted). Under the engine's lock.</summary>
    public bool Resend { get; set; }
}
