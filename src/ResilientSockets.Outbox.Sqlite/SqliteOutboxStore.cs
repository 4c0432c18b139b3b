using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace ResilientSockets.Outbox.Sqlite;

/// <summary>
/// A durable <see cref="IOutboxStore"/> on one SQLite file (WAL journal). An append completes only after the
/// transaction holding it committed; appends that arrive together share one transaction and one flush (group
/// commit), so many concurrent senders cost about as many disk flushes as one.
/// </summary>
/// <remarks>
/// Open it with <see cref="OpenAsync"/>, which checks the file (<c>PRAGMA quick_check</c>): a corrupted, truncated or
/// foreign file fails with an <see cref="OutboxStoreException"/> whose <see cref="OutboxStoreException.Failure"/> is
/// <see cref="OutboxStoreFailure.Corrupted"/>, or, with <see cref="SqliteCorruptionHandling.Quarantine"/>, is moved aside
/// untouched while what is still readable is carried into a new file (<see cref="Recovery"/>). A file belongs to one
/// store at a time: a second opener (in any process) fails at once with <see cref="OutboxStoreFailure.Locked"/>. If a
/// transaction fails (disk full, for example), every operation in it fails with the same exception and none of them is
/// stored.
/// </remarks>
public sealed partial class SqliteOutboxStore : IOutboxStore
{
    // The client's checkpoints are a few hundred bytes; the bound keeps a runaway one from filling the store.
    private const int MaxCheckpointBytes = 64 * 1024;

    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _delete;
    private readonly SqliteCommand _deleteRange;
    private readonly SqliteCommand _saveCheckpoint;
    private readonly string _path;
    private readonly int _maxBatch;
    private readonly Channel<Operation> _operations = Channel.CreateUnbounded<Operation>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private long _count;
    private long _bytes;
    private long _transactions;

    private readonly System.IO.FileStream _fileLock;

    private SqliteOutboxStore(SqliteConnection connection, string path, int maxBatch, long count, long bytes, System.IO.FileStream fileLock, SqliteOutboxRecovery? recovery)
    {
        _fileLock = fileLock;
        Recovery = recovery;
        _connection = connection;
        _path = path;
        _maxBatch = maxBatch;
        _count = count;
        _bytes = bytes;
        _insert = connection.CreateCommand();
        _insert.CommandText = "INSERT INTO outbox (type, payload, enqueued_at, expires_at) VALUES ($type, $payload, $enqueued, $expires) RETURNING id";
        _insert.Parameters.Add("$type", SqliteType.Integer);
        _insert.Parameters.Add("$payload", SqliteType.Blob);
        _insert.Parameters.Add("$enqueued", SqliteType.Integer);
        _insert.Parameters.Add("$expires", SqliteType.Integer);
        _insert.Prepare();
        _delete = connection.CreateCommand();
        _delete.CommandText = "DELETE FROM outbox WHERE id = $id RETURNING length(payload)";
        _delete.Parameters.Add("$id", SqliteType.Integer);
        _delete.Prepare();
        _deleteRange = connection.CreateCommand();
        _deleteRange.CommandText = "DELETE FROM outbox WHERE id BETWEEN $first AND $last RETURNING length(payload)";
        _deleteRange.Parameters.Add("$first", SqliteType.Integer);
        _deleteRange.Parameters.Add("$last", SqliteType.Integer);
        _deleteRange.Prepare();
        _saveCheckpoint = connection.CreateCommand();
        _saveCheckpoint.CommandText = "INSERT INTO checkpoint (id, data) VALUES (1, $data) ON CONFLICT(id) DO UPDATE SET data = excluded.data";
        _saveCheckpoint.Parameters.Add("$data", SqliteType.Blob);
        _saveCheckpoint.Prepare();
        _writer = Task.Run(RunWriterAsync);
    }

    /// <summary>
    /// Gets what <see cref="SqliteCorruptionHandling.Quarantine"/> did when this store opened a damaged file, or
    /// <see langword="null"/> when the file was sound.
    /// </summary>
    public SqliteOutboxRecovery? Recovery { get; }

    /// <summary>Gets the full path of the database file.</summary>
    public string Path => _path;

    /// <inheritdoc/>
    public long Count => Interlocked.Read(ref _count);

    /// <inheritdoc/>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>How many transactions committed since the store opened: fewer than appends when group commit works.</summary>
    internal long TransactionCount => Interlocked.Read(ref _transactions);

    /// <summary>
    /// Opens (or creates) the outbox file of <paramref name="options"/>, checks it, and counts what is pending.
    /// </summary>
    /// <param name="options">The settings; <see cref="SqliteOutboxOptions.Path"/> is required. Copied: later edits have no effect.</param>
    /// <param name="cancellationToken">Cancels the open before it starts.</param>
    /// <returns>The open store.</returns>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="OutboxStoreException">The file cannot be created or opened, is locked, or is corrupted.</exception>
    public static Task<SqliteOutboxStore> OpenAsync(SqliteOutboxOptions options, CancellationToken cancellationToken = default)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }

        var settings = options.Clone();
        settings.Validate();
        var path = System.IO.Path.GetFullPath(settings.Path!);

        // SQLite's open is synchronous file I/O: keep it off the caller's thread.
        return Task.Run(() => Open(settings, path), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<long> AppendAsync(OutboxRecord record, CancellationToken cancellationToken = default)
    {
        if (record is null)
        {
            throw new ArgumentNullException(nameof(record));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var append = new AppendOperation(record);
        Enqueue(append);
        return append.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public Task CompleteAsync(long id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var complete = new CompleteOperation(id);
        Enqueue(complete);
        return complete.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<OutboxRecord>> LoadPendingAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var load = new LoadOperation();
        Enqueue(load);
        return load.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public Task CompleteRangeAsync(long firstId, long lastId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var complete = new CompleteRangeOperation(firstId, lastId);
        Enqueue(complete);
        return complete.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public Task SaveCheckpointAsync(ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken = default)
    {
        if (checkpoint.Length > MaxCheckpointBytes)
        {
            throw new ArgumentException($"A checkpoint is at most 64 KiB ({MaxCheckpointBytes} bytes; was {checkpoint.Length}).", nameof(checkpoint));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var save = new SaveCheckpointOperation(checkpoint.ToArray());
        Enqueue(save);
        return save.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ReadOnlyMemory<byte>> LoadCheckpointAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var load = new LoadCheckpointOperation();
        Enqueue(load);
        return load.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Finishes the operations already handed over, then closes the file.</summary>
    /// <returns>A task that completes when the file is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_operations.Writer.TryComplete())
        {
            await _writer.ConfigureAwait(false);
            _insert.Dispose();
            _delete.Dispose();
            _deleteRange.Dispose();
            _saveCheckpoint.Dispose();
            // Synchronous on purpose: closing is local file work, and netstandard2.0 has no DisposeAsync for these.
            _connection.Dispose();
            _fileLock.Dispose();
        }
    }

    private void Enqueue(Operation operation)
    {
        if (!_operations.Writer.TryWrite(operation))
        {
            throw new ObjectDisposedException(nameof(SqliteOutboxStore));
        }
    }

    // The single writer: everything waiting when a transaction starts goes into it (group commit), so one flush
    // serves every append of the batch; each operation's task completes only after the commit.
    private async Task RunWriterAsync()
    {
        var batch = new List<Operation>(Math.Min(_maxBatch, 1024));
        while (await _operations.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < _maxBatch && _operations.Reader.TryRead(out var operation))
            {
                batch.Add(operation);
            }

            try
            {
                using (var transaction = _connection.BeginTransaction())
                {
                    _insert.Transaction = transaction;
                    _delete.Transaction = transaction;
                    _deleteRange.Transaction = transaction;
                    _saveCheckpoint.Transaction = transaction;
                    foreach (var operation in batch)
                    {
                        operation.Execute(this, transaction);
                    }

                    transaction.Commit();
                }

                Interlocked.Increment(ref _transactions);
                foreach (var operation in batch)
                {
                    operation.Committed(this);
                }
            }
            catch (Exception exception)
            {
                var error = SqliteErrors.Map(exception, _path, "write to", SqliteErrors.SystemError(_connection));
                foreach (var operation in batch)
                {
                    operation.Fail(error);
                }
            }

            batch.Clear();
        }
    }
}
