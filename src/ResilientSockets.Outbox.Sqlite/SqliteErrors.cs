using System;
using Microsoft.Data.Sqlite;

namespace ResilientSockets.Outbox.Sqlite;

/// <summary>Turns SQLite's result codes into an <see cref="OutboxStoreException"/> that says what to do.</summary>
internal static class SqliteErrors
{
    // Primary result codes (https://www.sqlite.org/rescode.html); extended codes keep them in the low byte.
    private const int Busy = 5;
    private const int Locked = 6;
    private const int ReadOnly = 8;
    private const int IoErr = 10;
    private const int Corrupt = 11;
    private const int Full = 13;
    private const int CantOpen = 14;
    private const int NotADb = 26;

    public static OutboxStoreException Map(Exception exception, string path, string doing) => exception switch
    {
        OutboxStoreException already => already,
        SqliteException sqlite => (sqlite.SqliteErrorCode & 0xFF) switch
        {
            Full => new OutboxStoreException(OutboxStoreFailure.DiskFull,
                $"The outbox could not {doing} '{path}': the disk is full. Free space (or raise the quota) and retry; nothing accepted before was lost.", path, exception),
            ReadOnly or CantOpen => new OutboxStoreException(OutboxStoreFailure.CannotWrite,
                $"The outbox could not {doing} '{path}': the file or its directory is read-only, missing or not a directory. Point SqliteOutboxOptions.Path at a file in a writable directory.", path, exception),
            Busy or Locked => new OutboxStoreException(OutboxStoreFailure.Locked,
                $"The outbox could not {doing} '{path}': another connection or process holds its lock. One outbox file belongs to one process; stop the other one or use another file.", path, exception),
            Corrupt or NotADb => Corrupted(path, exception.Message, exception),
            IoErr => new OutboxStoreException(OutboxStoreFailure.Other,
                $"The outbox could not {doing} '{path}': an I/O error ({exception.Message}). Check the disk.", path, exception),
            _ => new OutboxStoreException(OutboxStoreFailure.Other,
                $"The outbox could not {doing} '{path}': {exception.Message}", path, exception),
        },
        _ => new OutboxStoreException(OutboxStoreFailure.Other, $"The outbox could not {doing} '{path}': {exception.Message}", path, exception),
    };

    public static OutboxStoreException Corrupted(string path, string detail, Exception? inner = null) => new(
        OutboxStoreFailure.Corrupted,
        $"The outbox file '{path}' is corrupted or truncated ({detail}). The store never deletes it. Either open it with "
        + "SqliteOutboxOptions.OnCorruption = Quarantine (the file is moved aside untouched and every record still readable is "
        + "carried into a new file), or move it aside yourself and open a new, empty outbox, or restore it from a copy.",
        path,
        inner);
}
