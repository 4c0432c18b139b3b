using System.Text;
using ResilientSockets.Outbox.Sqlite;

namespace ResilientSockets.Outbox.Tests;

/// <summary>The contract on SQLite (a real file in a temp directory), and what only a durable store does.</summary>
public sealed class SqliteOutboxStoreTests : OutboxStoreContractTests
{
    private readonly TempDirectory _directory = new();

    private string DatabasePath => _directory.File("outbox.db");

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }

    protected override async Task<IOutboxStore> CreateStoreAsync() => await OpenAsync(DatabasePath);

    private static Task<SqliteOutboxStore> OpenAsync(string path, SqliteOutboxDurability durability = SqliteOutboxDurability.FlushPerCommit) =>
        SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = path, Durability = durability });

    [Theory]
    [InlineData(SqliteOutboxDurability.FlushPerCommit)]
    [InlineData(SqliteOutboxDurability.OsBuffered)]
    public async Task Pending_records_survive_dispose_and_reopen_with_their_counts_and_order(SqliteOutboxDurability durability)
    {
        var path = _directory.File($"reopen-{durability}.db");
        long completed;
        await using (var store = await OpenAsync(path, durability))
        {
            completed = await store.AppendAsync(Text("one"));
            await store.AppendAsync(Text("two"));
            await store.AppendAsync(Text("three"));
            await store.CompleteAsync(completed);
        }

        await using var reopened = await OpenAsync(path, durability);

        reopened.Count.Should().Be(2);
        reopened.Bytes.Should().Be(8);
        var pending = await reopened.LoadPendingAsync();
        pending.Select(r => Encoding.UTF8.GetString(r.Payload.Span)).Should().Equal("two", "three");
        (await reopened.AppendAsync(Text("four"))).Should().BeGreaterThan(pending[^1].Id);
    }

    [Fact]
    public async Task Concurrent_appends_share_transactions_group_commit()
    {
        var store = (SqliteOutboxStore)Store;
        var before = store.TransactionCount;

        await Task.WhenAll(Enumerable.Range(0, 500).Select(i => Task.Run(() => store.AppendAsync(Text("g" + i)))));

        var transactions = store.TransactionCount - before;
        transactions.Should().BeGreaterThan(0).And.BeLessThan(500, "appends waiting together share one transaction");
        store.Count.Should().Be(500);
    }

    [Fact]
    public async Task A_garbage_file_is_reported_as_corrupted_naming_the_file_and_the_choices()
    {
        var path = _directory.File("garbage.db");
        await File.WriteAllBytesAsync(path, Enumerable.Range(0, 8192).Select(i => (byte)(i * 7 + 3)).ToArray());

        var open = () => OpenAsync(path);

        var error = (await open.Should().ThrowAsync<OutboxStoreException>()).Which;
        error.Failure.Should().Be(OutboxStoreFailure.Corrupted);
        error.Path.Should().Be(path);
        error.Message.Should().Contain(path).And.Contain("never deletes").And.Contain("move it aside");
        File.Exists(path).Should().BeTrue("the store never deletes a file it cannot read");
    }

    [Fact]
    public async Task A_truncated_database_is_reported_as_corrupted_and_left_in_place()
    {
        var path = _directory.File("truncated.db");
        await using (var store = await OpenAsync(path))
        {
            await Task.WhenAll(Enumerable.Range(0, 2000).Select(i => store.AppendAsync(Text(new string('x', 100) + i))));
        }

        var length = new FileInfo(path).Length;
        length.Should().BeGreaterThan(100_000, "the records must span many pages for the cut to lose some");
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(length / 2);
        }

        var open = () => OpenAsync(path);

        var error = (await open.Should().ThrowAsync<OutboxStoreException>()).Which;
        error.Failure.Should().Be(OutboxStoreFailure.Corrupted);
        error.Message.Should().Contain(path).And.Contain("corrupted or truncated");
        new FileInfo(path).Length.Should().Be(length / 2, "the store never rewrites a file it cannot read");
    }

    [Fact]
    public async Task A_path_whose_directory_cannot_be_written_is_a_clear_error()
    {
        // Tests run as root, which chmod does not stop: a "directory" that is a regular file is unwritable for anyone.
        var notADirectory = _directory.File("plain-file");
        await File.WriteAllTextAsync(notADirectory, "not a directory");
        var path = Path.Combine(notADirectory, "outbox.db");

        var open = () => OpenAsync(path);

        var error = (await open.Should().ThrowAsync<OutboxStoreException>()).Which;
        error.Failure.Should().Be(OutboxStoreFailure.CannotWrite);
        error.Message.Should().Contain(path).And.Contain("writable directory");
    }

    [Fact]
    public async Task Options_without_a_path_are_rejected_with_every_problem_listed()
    {
        var open = () => SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { MaxAppendsPerTransaction = 0 });

        (await open.Should().ThrowAsync<ArgumentException>()).Which.Message
            .Should().Contain("Path is required").And.Contain("MaxAppendsPerTransaction must be at least 1");
    }
}
