using System.Net.WebSockets;
using ResilientSockets.Outbox.Sqlite;

namespace ResilientSockets.Outbox.Tests;

/// <summary>Failures of the disk and of ownership, on real files: each is a clear <see cref="OutboxStoreException"/>.</summary>
public sealed class SqliteFailureTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static OutboxRecord Record(int size, int i) => new(WebSocketMessageType.Binary, Enumerable.Repeat((byte)i, size).ToArray(), DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task A_second_store_on_the_same_file_fails_at_once_as_locked_and_the_first_keeps_working()
    {
        var path = _directory.File("outbox.db");
        await using var first = await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = path });
        var started = System.Diagnostics.Stopwatch.StartNew();

        var second = () => SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = path });

        var error = (await second.Should().ThrowAsync<OutboxStoreException>()).Which;
        started.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), "a held lock is reported at once, not after SQLite's 30 s busy retry");
        error.Failure.Should().Be(OutboxStoreFailure.Locked);
        error.Message.Should().Contain(path).And.Contain("one client in one process");
        (await first.AppendAsync(Record(4, 1))).Should().BePositive();
    }

    [Fact]
    public async Task The_file_can_be_opened_again_once_its_store_is_disposed()
    {
        var path = _directory.File("outbox.db");
        await (await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = path })).DisposeAsync();
        await using var again = await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = path });
        again.Count.Should().Be(0);
    }

    [Fact]
    public async Task A_full_disk_fails_the_append_as_DiskFull_and_every_record_appended_before_is_kept()
    {
        using var disk = TmpfsMount.Create("2m");
        var path = disk.File("outbox.db");
        var stored = new List<long>();
        OutboxStoreException? error = null;
        await using (var store = await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = path }))
        {
            for (var i = 0; i < 10_000 && error is null; i++)
            {
                try
                {
                    stored.Add(await store.AppendAsync(Record(4096, i)));
                }
                catch (OutboxStoreException full)
                {
                    error = full;
                }
            }
        }

        error.Should().NotBeNull("a 2 MiB file system fills up long before 40 MB of records");
        error!.Failure.Should().Be(OutboxStoreFailure.DiskFull);
        error.Message.Should().Contain(path).And.Contain("disk is full").And.Contain("nothing accepted before was lost");
        stored.Count.Should().BeGreaterThan(100);

        await using var reopened = await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = path });
        (await reopened.LoadPendingAsync()).Select(r => r.Id).Should().Equal(stored, "every append that returned is still there, in order");
    }

    [Fact]
    public async Task A_store_cannot_be_created_on_a_read_only_file_system()
    {
        using var disk = TmpfsMount.Create("1m");
        disk.RemountReadOnly();
        var open = () => SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = disk.File("outbox.db") });

        var error = (await open.Should().ThrowAsync<OutboxStoreException>()).Which;
        error.Failure.Should().Be(OutboxStoreFailure.CannotWrite);
        error.Message.Should().Contain("writable directory");
    }
}
