using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;

namespace ResilientSockets.Server;

/// <summary>The default <see cref="IResilientSessionStore"/>: the sessions of this process, in a concurrent dictionary.</summary>
public sealed class InMemoryResilientSessionStore : IResilientSessionStore
{
    private readonly ConcurrentDictionary<Guid, ResilientSession> _sessions = new();

    /// <inheritdoc />
    public int Count => _sessions.Count;

    /// <inheritdoc />
    public bool TryGet(Guid id, [NotNullWhen(true)] out ResilientSession? session) => _sessions.TryGetValue(id, out session);

    /// <inheritdoc />
    public bool TryAdd(ResilientSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return _sessions.TryAdd(session.Id, session);
    }

    /// <inheritdoc />
    public bool TryRemove(ResilientSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return _sessions.TryRemove(new KeyValuePair<Guid, ResilientSession>(session.Id, session));
    }
}
