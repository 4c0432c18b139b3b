namespace ResilientSockets.Outbox.Sqlite;

/// <summary>What <see cref="SqliteOutboxStore.OpenAsync"/> does with a corrupted, truncated or foreign file.</summary>
public enum SqliteCorruptionHandling
{
    /// <summary>Fail with <see cref="OutboxStoreException"/> (<see cref="OutboxStoreFailure.Corrupted"/>) and leave the file as it is.</summary>
    Fail = 0,

    /// <summary>
    /// Move the file aside (renamed <c>&lt;path&gt;.corrupt-&lt;UTC yyyyMMddHHmmss&gt;</c>, bytes untouched), start a new
    /// file, and copy into it every record that can still be read; <see cref="SqliteOutboxStore.Recovery"/> says what happened.
    /// </summary>
    Quarantine = 1,
}
