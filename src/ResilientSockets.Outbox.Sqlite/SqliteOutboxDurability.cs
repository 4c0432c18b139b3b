namespace ResilientSockets.Outbox.Sqlite;

/// <summary>How far a committed append is pushed towards the disk before <c>AppendAsync</c> completes.</summary>
public enum SqliteOutboxDurability
{
    /// <summary>
    /// Every commit is flushed to the disk (<c>PRAGMA synchronous=FULL</c>): an appended record survives a process kill
    /// and a power loss or OS crash. Group commit shares one flush among the appends that arrive together.
    /// </summary>
    FlushPerCommit = 0,

    /// <summary>
    /// Commits are written to the OS, which flushes them later (<c>PRAGMA synchronous=NORMAL</c> in WAL mode): an
    /// appended record survives a process kill, but the last commits may be lost on a power loss or OS crash (the
    /// file stays consistent). Faster.
    /// </summary>
    OsBuffered = 1,
}
