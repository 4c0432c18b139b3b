using System;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace ResilientSockets.Outbox.Sqlite;

public sealed partial class SqliteOutboxStore
{
    /// <summary>One request to the writer loop: runs inside a batch's transaction, answers after the commit.</summary>
    private abstract class Operation
    {
        public abstract void Execute(SqliteOutboxStore store, SqliteTransaction transaction);

        public abstract void Committed(SqliteOutboxStore store);

        public abstract void Fail(Exception error);
    }

    private sealed class AppendOperation(OutboxRecord record) : Operation
    {
        private long _id;

        public TaskCompletionSource<long> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Execute(SqliteOutboxStore store, SqliteTransaction transaction)
        {
            var parameters = store._insert.Parameters;
            parameters[0].Value = (int)record.MessageType;
            parameters[1].Value = record.Payload.ToArray();
            parameters[2].Value = record.EnqueuedAt.ToUnixTimeMilliseconds();
            parameters[3].Value = record.ExpiresAt is { } expires ? expires.ToUnixTimeMilliseconds() : DBNull.Value;
            _id = (long)store._insert.ExecuteScalar()!;
        }

        public override void Committed(SqliteOutboxStore store)
        {
            Interlocked.Increment(ref store._count);
            Interlocked.Add(ref store._bytes, record.Payload.Length);
            Completion.TrySetResult(_id);
        }

        public override void Fail(Exception error) => Completion.TrySetException(error);
    }

    private sealed class CompleteOperation(long id) : Operation
    {
        private long? _removedBytes;

        public TaskCompletionSource<bool> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Execute(SqliteOutboxStore store, SqliteTransaction transaction)
        {
            store._delete.Parameters[0].Value = id;
            _removedBytes = store._delete.ExecuteScalar() is long length ? length : null;
        }

        public override void Committed(SqliteOutboxStore store)
        {
            if (_removedBytes is { } bytes)
            {
                Interlocked.Decrement(ref store._count);
                Interlocked.Add(ref store._bytes, -bytes);
            }

            Completion.TrySetResult(true);
        }

        public override void Fail(Exception error) => Completion.TrySetException(error);
    }

    private sealed class LoadOperation : Operation
    {
        private readonly List<OutboxRecord> _records = [];

        public TaskCompletionSource<IReadOnlyList<OutboxRecord>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Execute(SqliteOutboxStore store, SqliteTransaction transaction)
        {
            _records.Clear();
            using var select = store._connection.CreateCommand();
            select.Transaction = transaction;
            select.CommandText = "SELECT id, type, payload, enqueued_at, expires_at FROM outbox ORDER BY id";
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                _records.Add(new OutboxRecord(
                    reader.GetInt64(0),
                    (WebSocketMessageType)reader.GetInt32(1),
                    (byte[])reader.GetValue(2),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                    reader.IsDBNull(4) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
            }
        }

        public override void Committed(SqliteOutboxStore store) => Completion.TrySetResult(_records);

        public override void Fail(Exception error) => Completion.TrySetException(error);
    }

    private sealed class CompleteRangeOperation(long firstId, long lastId) : Operation
    {
        private long _removed;
        private long _removedBytes;

        public TaskCompletionSource<bool> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Execute(SqliteOutboxStore store, SqliteTransaction transaction)
        {
            _removed = 0;
            _removedBytes = 0;
            store._deleteRange.Parameters[0].Value = firstId;
            store._deleteRange.Parameters[1].Value = lastId;
            using var reader = store._deleteRange.ExecuteReader();
            while (reader.Read())
            {
                _removed++;
                _removedBytes += reader.GetInt64(0);
            }
        }

        public override void Committed(SqliteOutboxStore store)
        {
            Interlocked.Add(ref store._count, -_removed);
            Interlocked.Add(ref store._bytes, -_removedBytes);
            Completion.TrySetResult(true);
        }

        public override void Fail(Exception error) => Completion.TrySetException(error);
    }

    private sealed class SaveCheckpointOperation(byte[] data) : Operation
    {
        public TaskCompletionSource<bool> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Execute(SqliteOutboxStore store, SqliteTransaction transaction)
        {
            store._saveCheckpoint.Parameters[0].Value = data;
            store._saveCheckpoint.ExecuteNonQuery();
        }

        public override void Committed(SqliteOutboxStore store) => Completion.TrySetResult(true);

        public override void Fail(Exception error) => Completion.TrySetException(error);
    }

    private sealed class LoadCheckpointOperation : Operation
    {
        private byte[] _data = [];

        public TaskCompletionSource<ReadOnlyMemory<byte>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Execute(SqliteOutboxStore store, SqliteTransaction transaction)
        {
            using var select = store._connection.CreateCommand();
            select.Transaction = transaction;
            select.CommandText = "SELECT data FROM checkpoint WHERE id = 1";
            _data = select.ExecuteScalar() as byte[] ?? [];
        }

        public override void Committed(SqliteOutboxStore store) => Completion.TrySetResult(_data);

        public override void Fail(Exception error) => Completion.TrySetException(error);
    }
}
