using System;
using System.Diagnostics.CodeAnalysis;

namespace ResilientSockets.Server;

/// <summary>
/// Finds live sessions by id. The endpoint adds a session when it starts and removes it when it ends (a close with
/// 1000, a protocol error, or the resume window expiring: the expiry timer belongs to the session, so a store never
/// needs a clock). The default, <see cref="InMemoryResilientSessionStore"/>, is a concurrent dictionary.
/// </summary>
/// <remarks>
/// A session is a live object (its handler runs on this node, its buffers are in this process), so a store cannot move
/// a session to another node. What a multi-node deployment can do with this seam: keep sessions in this node's memory
/// and also publish "session id → node" to a shared directory (for a router that does not hash by id), or log
/// which ids were lost. The README's "Server: ResilientSockets.Server" section describes the scale-out options.
/// Implementations must be thread-safe.
/// </remarks>
public interface IResilientSessionStore
{
    /// <summary>Gets the number of sessions in the store.</summary>
    int Count { get; }

    /// <summary>Finds a session by id.</summary>
    /// <param name="id">The session id a HELLO presented.</param>
    /// <param name="session">The session, when found.</param>
    /// <returns><see langword="true"/> when the session is in the store.</returns>
    bool TryGet(Guid id, [NotNullWhen(true)] out ResilientSession? session);

    /// <summary>Adds a new session.</summary>
    /// <param name="session">The session (its <see cref="ResilientSession.Id"/> is fresh and random).</param>
    /// <returns><see langword="false"/> when a session with that id is already there.</returns>
    bool TryAdd(ResilientSession session);

    /// <summary>Removes a session that ended.</summary>
    /// <param name="session">The session.</param>
    /// <returns><see langword="true"/> when it was in the store.</returns>
    bool TryRemove(ResilientSession session);
}
