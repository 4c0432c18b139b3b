namespace ResilientSockets.Outbox.Sqlite;

/// <summary>
/// What <see cref="SqliteCorruptionHandling.Quarantine"/> did when the store opened a damaged file: where the original
/// went, and what could be carried over into the new file.
/// </summary>
public sealed class SqliteOutboxRecovery
{
    internal SqliteOutboxRecovery(string quarantinedPath, string problem)
    {
        QuarantinedPath = quarantinedPath;
        Problem = problem;
    }

    /// <summary>Gets where the damaged file was moved (its bytes untouched; its <c>-wal</c> and <c>-shm</c> files beside it).</summary>
    public string QuarantinedPath { get; }

    /// <summary>Gets what was wrong with it (SQLite's words).</summary>
    public string Problem { get; }

    /// <summary>Gets how many pending records were read back and copied into the new file, with their ids and order.</summary>
    public int RecoveredRecords { get; internal set; }

    /// <summary>
    /// Gets how many record ids could not be looked up because their page is damaged. Some of them may have been
    /// completed (sent) before the damage; the others are not in the new file (their bytes stay in the quarantined one).
    /// </summary>
    public long UnreadableIds { get; internal set; }

    /// <summary>
    /// Gets a value indicating whether the client's session checkpoint was carried over. It is carried over only when the
    /// file's id counter could be read too (ids must never be reused under a checkpoint); otherwise the next client starts a
    /// new session and sends the recovered records again in it (at least once).
    /// </summary>
    public bool CheckpointRecovered { get; internal set; }
}
