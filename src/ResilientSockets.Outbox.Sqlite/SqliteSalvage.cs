using System;
using System.Buffers.Binary;
using System.IO;
using Microsoft.Data.Sqlite;

namespace ResilientSockets.Outbox.Sqlite;

/// <summary>
/// Reads what it still can from a quarantined (damaged) outbox file and copies it into the new one, keeping ids and
/// order. A damaged page makes every query that crosses it fail, so after a failure the reader probes the following
/// ids one by one (a page holds a few dozen small records), then in growing steps, and carries on after the hole.
/// </summary>
internal static class SqliteSalvage
{
    private const int ProbeOneByOne = 4096;

    // Without the id counter there is no known end: give up after this many blocks of ids with nothing readable.
    private const int MaxBarrenBlocks = 16;

    public static void CopyInto(SqliteConnection target, SqliteOutboxRecovery recovery)
    {
        // Read from a copy: the quarantined file keeps its bytes, and the copy's header may be mended.
        var working = recovery.QuarantinedPath + ".salvage";
        if (!PrepareWorkingCopy(recovery.QuarantinedPath, working))
        {
            return; // not a SQLite file at all: nothing to read back
        }

        try
        {
            using var source = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = working, Pooling = false }.ToString());
            source.Open();
            Copy(source, target, recovery);
        }
        catch (SqliteException)
        {
            // The copy cannot even be opened: nothing more can be read back.
        }
        finally
        {
            foreach (var suffix in new[] { string.Empty, "-wal", "-shm", "-journal" })
            {
                File.Delete(working + suffix);
            }
        }
    }

    /// <summary>
    /// Copies the file and, when it was cut short, lowers the page count in its header to what is really there: SQLite
    /// trusts that count and would otherwise call every statement malformed, even on the pages that survived.
    /// </summary>
    private static bool PrepareWorkingCopy(string source, string working)
    {
        File.Copy(source, working, overwrite: true);
        using var file = new FileStream(working, FileMode.Open, FileAccess.ReadWrite);
        var header = new byte[100];
        if (file.Read(header, 0, header.Length) < header.Length || !header.AsSpan(0, 16).SequenceEqual("SQLite format 3\0"u8))
        {
            return false;
        }

        var pageSize = (header[16] << 8) | header[17];
        pageSize = pageSize == 1 ? 65536 : pageSize;
        var pages = (uint)(file.Length / pageSize);
        if (pageSize >= 512 && BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(28)) > pages)
        {
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(28), pages);
            file.Position = 0;
            file.Write(header, 0, header.Length);
        }

        return true;
    }

    private static void Copy(SqliteConnection source, SqliteConnection target, SqliteOutboxRecovery recovery)
    {
        using (var transaction = target.BeginTransaction())
        {
            using var insert = target.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO outbox (id, type, payload, enqueued_at, expires_at) VALUES ($id, $type, $payload, $enqueued, $expires)";
            var id = insert.Parameters.Add("$id", SqliteType.Integer);
            var type = insert.Parameters.Add("$type", SqliteType.Integer);
            var payload = insert.Parameters.Add("$payload", SqliteType.Blob);
            var enqueued = insert.Parameters.Add("$enqueued", SqliteType.Integer);
            var expires = insert.Parameters.Add("$expires", SqliteType.Integer);

            long cursor = 0, unreadable = 0;
            var copied = 0;
            var maxId = TryScalar(source, "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'");
            var limit = maxId ?? TryScalar(source, "SELECT max(id) FROM outbox");
            var barrenBlocks = 0;
            while (true)
            {
                // A scan from the cursor: fine until it reaches a damaged page.
                try
                {
                    using var scan = source.CreateCommand();
                    scan.CommandText = "SELECT id, type, payload, enqueued_at, expires_at FROM outbox WHERE id > $from ORDER BY id";
                    scan.Parameters.AddWithValue("$from", cursor);
                    using var reader = scan.ExecuteReader();
                    while (reader.Read())
                    {
                        Copy(reader);
                        cursor = reader.GetInt64(0);
                    }

                    break; // read to the end
                }
                catch (SqliteException)
                {
                }

                // Past the damage: look the next ids up one by one (a lookup avoids the pages a scan would cross).
                var found = false;
                for (var probe = cursor + 1; probe <= cursor + ProbeOneByOne; probe++)
                {
                    try
                    {
                        using var lookup = source.CreateCommand();
                        lookup.CommandText = "SELECT id, type, payload, enqueued_at, expires_at FROM outbox WHERE id = $id";
                        lookup.Parameters.AddWithValue("$id", probe);
                        using var reader = lookup.ExecuteReader();
                        if (reader.Read())
                        {
                            Copy(reader);
                            found = true;
                        }
                    }
                    catch (SqliteException)
                    {
                        unreadable++;
                    }
                }

                cursor += ProbeOneByOne;
                barrenBlocks = found ? 0 : barrenBlocks + 1;
                if ((limit is { } end && cursor >= end) || (limit is null && barrenBlocks >= MaxBarrenBlocks))
                {
                    break;
                }
            }

            recovery.RecoveredRecords = copied;
            recovery.UnreadableIds = unreadable;

            void Copy(SqliteDataReader reader)
            {
                id.Value = reader.GetInt64(0);
                type.Value = reader.GetInt32(1);
                payload.Value = reader.GetValue(2);
                enqueued.Value = reader.GetInt64(3);
                expires.Value = reader.IsDBNull(4) ? DBNull.Value : reader.GetInt64(4);
                insert.ExecuteNonQuery();
                copied++;
            }

            // The checkpoint maps store ids to session sequences: carry it over only if ids cannot be reused.
            if (maxId is { } sequence && TryCheckpoint(source) is { } checkpoint)
            {
                using var counter = target.CreateCommand();
                counter.Transaction = transaction;
                counter.CommandText = "INSERT OR REPLACE INTO sqlite_sequence (name, seq) VALUES ('outbox', $seq)";
                counter.Parameters.AddWithValue("$seq", Math.Max(sequence, cursor));
                counter.ExecuteNonQuery();
                using var save = target.CreateCommand();
                save.Transaction = transaction;
                save.CommandText = "INSERT INTO checkpoint (id, data) VALUES (1, $data)";
                save.Parameters.AddWithValue("$data", checkpoint);
                save.ExecuteNonQuery();
                recovery.CheckpointRecovered = true;
            }

            transaction.Commit();
        }
    }

    private static long? TryScalar(SqliteConnection connection, string sql)
    {
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            return command.ExecuteScalar() is long value ? value : null;
        }
        catch (SqliteException)
        {
            return null;
        }
    }

    private static byte[]? TryCheckpoint(SqliteConnection connection)
    {
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT data FROM checkpoint WHERE id = 1";
            return command.ExecuteScalar() as byte[];
        }
        catch (SqliteException)
        {
            return null;
        }
    }
}
