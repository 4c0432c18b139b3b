using System;
using System.Runtime.InteropServices;
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

    /// <summary>
    /// The OS error behind the last failed call on <paramref name="connection"/> (errno; GetLastError on Windows), or 0
    /// when unknown (for example where SQLite is linked statically and cannot be called by name).
    /// </summary>
    public static int SystemError(SqliteConnection connection)
    {
        try
        {
            return connection.Handle is { IsInvalid: false } handle ? NativeMethods.sqlite3_system_errno(handle.DangerousGetHandle()) : 0;
        }
        catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException or InvalidOperationException)
        {
            return 0;
        }
    }

    public static OutboxStoreException Map(Exception exception, string path, string doing, int systemError = 0) => exception switch
    {
        OutboxStoreException already => already,
        SqliteException sqlite => (sqlite.SqliteErrorCode & 0xFF) switch
        {
            Full => DiskFull(path, doing, exception),
            ReadOnly or CantOpen => CannotWrite(path, doing, exception),
            Busy or Locked => new OutboxStoreException(OutboxStoreFailure.Locked,
                $"The outbox could not {doing} '{path}': another connection or process holds its lock. One outbox file belongs to one process; stop the other one or use another file.", path, exception),
            Corrupt or NotADb => Corrupted(path, exception.Message, exception),
            // A write the OS refused (a file system remounted read-only, an immutable file) or a disk that filled up
            // while the WAL grew reach SQLite as a plain I/O error; the OS error tells them apart.
            IoErr when IsReadOnlyError(systemError) => CannotWrite(path, doing, exception),
            IoErr when IsDiskFullError(systemError) => DiskFull(path, doing, exception),
            IoErr => new OutboxStoreException(OutboxStoreFailure.Other,
                $"The outbox could not {doing} '{path}': an I/O error ({exception.Message}). Check the disk.", path, exception),
            _ => new OutboxStoreException(OutboxStoreFailure.Other,
                $"The outbox could not {doing} '{path}': {exception.Message}", path, exception),
        },
        _ => new OutboxStoreException(OutboxStoreFailure.Other, $"The outbox could not {doing} '{path}': {exception.Message}", path, exception),
    };

    private static OutboxStoreException DiskFull(string path, string doing, Exception exception) => new(
        OutboxStoreFailure.DiskFull,
        $"The outbox could not {doing} '{path}': the disk is full. Free space (or raise the quota) and retry; nothing accepted before was lost.",
        path,
        exception);

    private static OutboxStoreException CannotWrite(string path, string doing, Exception exception) => new(
        OutboxStoreFailure.CannotWrite,
        $"The outbox could not {doing} '{path}': the file or its directory is read-only, missing or not a directory. Point SqliteOutboxOptions.Path at a file in a writable directory.",
        path,
        exception);

    // EPERM, EACCES, EROFS (the same on Linux and macOS); ERROR_ACCESS_DENIED, ERROR_WRITE_PROTECT on Windows.
    private static bool IsReadOnlyError(int error) =>
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? error is 5 or 19 : error is 1 or 13 or 30;

    // ENOSPC; EDQUOT (122 on Linux, 69 on macOS); ERROR_HANDLE_DISK_FULL, ERROR_DISK_FULL on Windows.
    private static bool IsDiskFullError(int error) =>
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? error is 39 or 112
        : error == 28 || error == (RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? 69 : 122);

    public static OutboxStoreException Corrupted(string path, string detail, Exception? inner = null) => new(
        OutboxStoreFailure.Corrupted,
        $"The outbox file '{path}' is corrupted or truncated ({detail}). The store never deletes it. Either open it with "
        + "SqliteOutboxOptions.OnCorruption = Quarantine (the file is moved aside untouched and every record still readable is "
        + "carried into a new file), or move it aside yourself and open a new, empty outbox, or restore it from a copy.",
        path,
        inner);

    // SQLitePCLRaw 2.x does not wrap sqlite3_system_errno; e_sqlite3 is the native library it has already loaded.
    private static class NativeMethods
    {
        [DllImport("e_sqlite3", CallingConvention = CallingConvention.Cdecl)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int sqlite3_system_errno(IntPtr db);
    }
}
