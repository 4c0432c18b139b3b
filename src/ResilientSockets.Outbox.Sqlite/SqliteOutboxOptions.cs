using System;
using System.Collections.Generic;

namespace ResilientSockets.Outbox.Sqlite;

/// <summary>The settings of a <see cref="SqliteOutboxStore"/>. Validated once, when the store opens.</summary>
public sealed class SqliteOutboxOptions
{
    /// <summary>The default <see cref="MaxAppendsPerTransaction"/>.</summary>
    internal const int DefaultMaxAppendsPerTransaction = 1000;

    /// <summary>
    /// Gets or sets the database file. Its directory must exist and be writable; the file is created when missing. One
    /// file belongs to one process at a time.
    /// </summary>
    /// <value>Required: there is no default.</value>
    public string? Path { get; set; }

    /// <summary>Gets or sets what a completed append survives.</summary>
    /// <value>The default value is <see cref="SqliteOutboxDurability.FlushPerCommit"/> (survives a power loss).</value>
    public SqliteOutboxDurability Durability { get; set; } = SqliteOutboxDurability.FlushPerCommit;

    /// <summary>
    /// Gets or sets the most appends (and completions) that share one transaction. Group commit puts every operation
    /// waiting when a transaction starts into it, up to this many.
    /// </summary>
    /// <value>The default value is 1000. At least 1.</value>
    public int MaxAppendsPerTransaction { get; set; } = DefaultMaxAppendsPerTransaction;

    /// <summary>Gets or sets what opening a corrupted, truncated or foreign file does.</summary>
    /// <value>The default value is <see cref="SqliteCorruptionHandling.Fail"/>: an <see cref="OutboxStoreException"/> (<see cref="OutboxStoreFailure.Corrupted"/>), the file left as it is.</value>
    public SqliteCorruptionHandling OnCorruption { get; set; } = SqliteCorruptionHandling.Fail;

    /// <summary>Checks every option and throws one exception that lists every problem.</summary>
    /// <exception cref="ArgumentException">One or more options are missing or out of range.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Path))
        {
            errors.Add("Path is required: the database file of the outbox.");
        }

        if (Durability is not SqliteOutboxDurability.FlushPerCommit and not SqliteOutboxDurability.OsBuffered)
        {
            errors.Add($"Durability must be FlushPerCommit or OsBuffered (was {Durability}).");
        }

        if (OnCorruption is not SqliteCorruptionHandling.Fail and not SqliteCorruptionHandling.Quarantine)
        {
            errors.Add($"OnCorruption must be Fail or Quarantine (was {OnCorruption}).");
        }

        if (MaxAppendsPerTransaction < 1)
        {
            errors.Add($"MaxAppendsPerTransaction must be at least 1 (was {MaxAppendsPerTransaction}).");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid SqliteOutboxOptions: " + string.Join(" ", errors));
        }
    }

    /// <summary>
    /// Caps the file at this many pages (<c>PRAGMA max_page_count</c>; SQLite then reports <c>SQLITE_FULL</c>, as on a
    /// full disk). For tests on machines where a small file system cannot be mounted.
    /// </summary>
    internal long? MaxPageCount { get; set; }

    internal SqliteOutboxOptions Clone() => (SqliteOutboxOptions)MemberwiseClone();
}
