using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Microsoft.Data.Sqlite;

namespace ResilientSockets.Outbox.Sqlite;

public sealed partial class SqliteOutboxStore
{
    // What .NET reports when the lock is held: HRESULT_FROM_WIN32(ERROR_SHARING_VIOLATION) on Windows; on Unix the
    // errno of the failed non-blocking flock, EWOULDBLOCK (11 on Linux, 35 on macOS).
    private const int SharingViolation = unchecked((int)0x80070020);
    private const int WouldBlockLinux = 11;
    private const int WouldBlockMac = 35;

    private static SqliteOutboxStore Open(SqliteOutboxOptions options, string path)
    {
        // One file, one process: two clients sending from one outbox would send every message twice.
        var fileLock = AcquireLock(path);
        try
        {
            SqliteOutboxRecovery? recovery = null;
            SqliteConnection connection;
            try
            {
                connection = OpenChecked(options, path);
            }
            catch (OutboxStoreException corrupted) when (corrupted.Failure == OutboxStoreFailure.Corrupted && options.OnCorruption == SqliteCorruptionHandling.Quarantine)
            {
                recovery = Quarantine(path, corrupted.Message);
                connection = OpenChecked(options, path);
                SqliteSalvage.CopyInto(connection, recovery);
            }

            return Create(connection, path, options, fileLock, recovery);
        }
        catch
        {
            fileLock.Dispose();
            throw;
        }
    }

    /// <summary>Opens the file, checks it, applies the durability and makes sure the schema exists.</summary>
    private static SqliteConnection OpenChecked(SqliteOutboxOptions options, string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();

            // A foreign or garbage file fails here (SQLITE_NOTADB): the first statement reads the header.
            Execute(connection, "PRAGMA journal_mode=WAL;");
            var problems = QuickCheck(connection);
            if (problems is not null)
            {
                throw SqliteErrors.Corrupted(path, problems);
            }

            var synchronous = options.Durability == SqliteOutboxDurability.FlushPerCommit ? "FULL" : "NORMAL";
            Execute(connection, $"PRAGMA synchronous={synchronous};");
            if (options.MaxPageCount is { } maxPages)
            {
                Execute(connection, $"PRAGMA max_page_count={maxPages};");
            }

            // AUTOINCREMENT: an id is never reused, even after the newest record was completed and the process restarted.
            Execute(connection, """
                CREATE TABLE IF NOT EXISTS outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    type INTEGER NOT NULL,
                    payload BLOB NOT NULL,
                    enqueued_at INTEGER NOT NULL,
                    expires_at INTEGER NULL);
                CREATE TABLE IF NOT EXISTS checkpoint (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    data BLOB NOT NULL);
                """);
            return connection;
        }
        catch (Exception exception)
        {
            connection.Dispose();
            throw SqliteErrors.Map(exception, path, "open");
        }
    }

    private static SqliteOutboxStore Create(SqliteConnection connection, string path, SqliteOutboxOptions options, FileStream fileLock, SqliteOutboxRecovery? recovery)
    {
        try
        {
            using var totals = connection.CreateCommand();
            totals.CommandText = "SELECT COUNT(*), COALESCE(SUM(length(payload)), 0) FROM outbox";
            using var reader = totals.ExecuteReader();
            reader.Read();
            var count = reader.GetInt64(0);
            var bytes = reader.GetInt64(1);
            reader.Close();
            return new SqliteOutboxStore(connection, path, options.MaxAppendsPerTransaction, count, bytes, fileLock, recovery);
        }
        catch (Exception exception)
        {
            connection.Dispose();
            throw SqliteErrors.Map(exception, path, "open");
        }
    }

    /// <summary>
    /// Takes the file's lock: <c>&lt;path&gt;.lock</c> held open without sharing (on Linux and macOS an advisory
    /// <c>flock</c>, released by the kernel when the process dies, so a crash never leaves it locked).
    /// </summary>
    private static FileStream AcquireLock(string path)
    {
        var lockPath = path + ".lock";
        try
        {
            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException exception) when (exception.HResult is SharingViolation or WouldBlockLinux or WouldBlockMac)
        {
            throw new OutboxStoreException(
                OutboxStoreFailure.Locked,
                $"The outbox file '{path}' is in use: another store (in this process or another) has it open. One outbox file belongs to one client in one process at a time; dispose the other store first, or give this one its own file.",
                path,
                exception);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new OutboxStoreException(
                OutboxStoreFailure.CannotWrite,
                $"The outbox could not create its lock file '{lockPath}': {exception.Message} Point SqliteOutboxOptions.Path at a file in an existing, writable directory.",
                path,
                exception);
        }
    }

    /// <summary>Moves a corrupted file (and its WAL and shared-memory files) aside, untouched, under a dated name.</summary>
    private static SqliteOutboxRecovery Quarantine(string path, string problem)
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        var target = $"{path}.corrupt-{stamp}";
        for (var n = 2; File.Exists(target); n++)
        {
            target = $"{path}.corrupt-{stamp}-{n}";
        }

        try
        {
            File.Move(path, target);
            foreach (var suffix in new[] { "-wal", "-shm" })
            {
                if (File.Exists(path + suffix))
                {
                    File.Move(path + suffix, target + suffix);
                }
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new OutboxStoreException(OutboxStoreFailure.CannotWrite, $"The outbox file '{path}' is corrupted and could not be moved aside to '{target}': {exception.Message}", path, exception);
        }

        return new SqliteOutboxRecovery(target, problem);
    }

    /// <summary>The problems <c>PRAGMA quick_check</c> reports (the first few), or <see langword="null"/> when it says ok.</summary>
    private static string? QuickCheck(SqliteConnection connection)
    {
        using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA quick_check(5)";
        using var reader = check.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read())
        {
            lines.Add(reader.GetString(0));
        }

        return lines is ["ok"] ? null : "quick_check: " + string.Join("; ", lines);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
