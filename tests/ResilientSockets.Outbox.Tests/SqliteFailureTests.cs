using System.Net.WebSockets;
using ResilientSockets.Outbox.Sqlite;
using Xunit.Abstractions;

namespace ResilientSockets.Outbox.Tests;

/// <summary>Failures of the disk and of ownership, on real files: each is a clear <see cref="OutboxStoreException"/>.</summary>
public sealed class SqliteFailureTests(ITestOutputHelper output) : IDisposable
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
        // A real 2 MiB tmpfs; where mounting is refused, the file is capped at 2 MiB (PRAGMA max_page_count) instead,
        // which SQLite reports the same way. Never skipped: the output says which one ran.
        using var disk = TmpfsMount.TryCreate("2m", out var why);
        output.WriteLine(disk is null ? $"Disk full simulated with PRAGMA max_page_count=512: no tmpfs ({why})." : $"Disk full for real: {why}.");
        var path = disk is null ? _directory.File("capped.db") : disk.File("outbox.db");
        var stored = new List<long>();
        OutboxStoreException? error = null;
        await using (var store = await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = path, MaxPageCount = disk is null ? 512 : null }))
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

    [Fact]
    public async Task Files_made_immutable_under_an_open_store_fail_the_append_as_CannotWrite_and_keep_what_was_stored()
    {
        // A mount cannot be remounted read-only while the store has files open for writing (EBUSY), and root ignores
        // chmod; chattr +i (the temp directory is on ext4) makes the files unwritable even for root. SQLite reports
        // the refused write as a plain I/O error: the store tells it apart by the OS error.
        var path = _directory.File("immutable.db");
        var store = await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = path });
        var kept = await store.AppendAsync(Record(4, 1));
        var immutable = new[] { _directory.Path, path, path + "-wal" }.Where(p => File.Exists(p) || Directory.Exists(p)).ToList();
        try
        {
            foreach (var file in immutable)
            {
                Shell.Run("chattr", "+i", file).ExitCode.Should().Be(0, $"chattr +i {file} must work for this test");
            }

            var append = () => store.AppendAsync(Record(4, 2));

            var error = (await append.Should().ThrowAsync<OutboxStoreException>()).Which;
            error.Failure.Should().Be(OutboxStoreFailure.CannotWrite);
            error.Message.Should().Contain(path).And.Contain("writable directory");
            (await store.LoadPendingAsync()).Select(r => r.Id).Should().Equal(kept);
        }
        finally
        {
            foreach (var file in immutable)
            {
                Shell.Run("chattr", "-i", file);
            }

            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task Another_process_holding_the_file_makes_the_open_fail_as_locked_and_cannot_take_an_open_store_file()
    {
        // flock(1) takes the lock .NET takes for FileShare.None on Linux (flock(2), exclusive): a real second process.
        var path = _directory.File("shared.db");
        await using (var store = await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = path }))
        {
            Shell.Run("flock", "--nonblock", "--conflict-exit-code", "75", path + ".lock", "true").ExitCode
                .Should().Be(75, "another process cannot take the file of an open store");
        }

        using var holder = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("flock", ["--exclusive", path + ".lock", "--command", "echo held; exec cat"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        })!;
        try
        {
            (await holder.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30))).Should().Be("held");

            var open = () => SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = path });

            (await open.Should().ThrowAsync<OutboxStoreException>()).Which.Failure.Should().Be(OutboxStoreFailure.Locked);
        }
        finally
        {
            holder.StandardInput.Close();
            await holder.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }
}
