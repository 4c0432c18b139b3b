using System;

namespace ResilientSockets.Outbox;

/// <summary>
/// An <see cref="IOutboxStore"/> could not store, remove or read records. The message names the file (when there is
/// one), the problem and what to do; <see cref="Failure"/> classifies it for code.
/// </summary>
public sealed class OutboxStoreException : Exception
{
    /// <summary>Creates an exception.</summary>
    /// <param name="failure">What kind of failure it is.</param>
    /// <param name="message">What went wrong and what to do next.</param>
    /// <param name="path">The file concerned, or <see langword="null"/>.</param>
    /// <param name="innerException">The storage engine's exception, or <see langword="null"/>.</param>
    public OutboxStoreException(OutboxStoreFailure failure, string message, string? path = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
        Path = path;
    }

    /// <summary>Gets what kind of failure it is.</summary>
    public OutboxStoreFailure Failure { get; }

    /// <summary>Gets the file concerned, or <see langword="null"/> when the store has none.</summary>
    public string? Path { get; }
}
