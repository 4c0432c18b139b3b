using System.Net.WebSockets;
using System.Text;
using ResilientSockets.Outbox.Sqlite;

namespace ResilientSockets.Outbox.Tests;

/// <summary>
/// <see cref="SqliteCorruptionHandling.Quarantine"/>: a damaged file is moved aside untouched, and every record that can
/// still be read is carried into a new file with its id, payload and order.
/// </summary>
public sealed class SqliteQuarantineTests : IDisposable
{
    private const int Records = 2000;
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static string PayloadOf(int i) => new string((char)('a' + (i % 26)), 100) + i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture);

    private static Task<SqliteOutboxStore> OpenQuarantiningAsync(string path)
        => SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = path, OnCorruption = SqliteCorruptionHandling.Quarantine });

    /// <summary>Writes <see cref="Records"/> records (ids 1..n, each payload naming its number) and a checkpoint, then closes the file.</summary>
    private async Task<string> WriteDatabaseAsync(string name)
    {
        var path = _directory.File(name);
        await using var store = await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = path });
        for (var i = 0; i < Records; i++)
        {
            await store.AppendAsync(new OutboxRecord(WebSocketMessageType.Text, Encoding.UTF8.GetBytes(PayloadOf(i)), DateTimeOffset.UnixEpoch));
        }

        await store.SaveCheckpointAsync(new byte[] { 1, 2, 3 });
        return path;
    }

    private static void AssertIntact(IReadOnlyList<OutboxRecord> recovered)
    {
        recovered.Select(r => r.Id).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        foreach (var record in recovered)
        {
            Encoding.UTF8.GetString(record.Payload.Span).Should().Be(PayloadOf((int)record.Id - 1), "a recovered record is the one written under its id, byte for byte");
        }
    }

    [Fact]
    public async Task A_garbage_file_is_moved_aside_untouched_and_a_new_empty_store_opens()
    {
        var path = _directory.File("garbage.db");
        var garbage = Enumerable.Range(0, 8192).Select(i => (byte)((i * 7) + 3)).ToArray();
        await File.WriteAllBytesAsync(path, garbage);

        await using var store = await OpenQuarantiningAsync(path);

        store.Count.Should().Be(0);
        store.Recovery.Should().NotBeNull();
        store.Recovery!.RecoveredRecords.Should().Be(0);
        store.Recovery.QuarantinedPath.Should().StartWith(path + ".corrupt-");
        (await File.ReadAllBytesAsync(store.Recovery.QuarantinedPath)).Should().Equal(garbage, "the quarantined file keeps its bytes");
        store.Recovery.Problem.Should().NotBeNullOrEmpty();
        (await store.AppendAsync(new OutboxRecord(WebSocketMessageType.Text, new byte[] { 1 }, DateTimeOffset.UnixEpoch))).Should().BePositive();
    }

    [Fact]
    public async Task A_truncated_file_keeps_every_record_still_readable_with_its_id_and_payload()
    {
        var path = await WriteDatabaseAsync("truncated.db");
        var length = new FileInfo(path).Length;
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(length / 2);
        }

        await using var store = await OpenQuarantiningAsync(path);

        var recovered = await store.LoadPendingAsync();
        store.Recovery!.RecoveredRecords.Should().Be(recovered.Count);
        recovered.Count.Should().BeGreaterThan(Records / 4, "the first half of the file is intact").And.BeLessThan(Records);
        AssertIntact(recovered);
        new FileInfo(store.Recovery.QuarantinedPath).Length.Should().Be(length / 2);
        store.Count.Should().Be(recovered.Count);
    }

    [Fact]
    public async Task Records_after_a_damaged_region_in_the_middle_are_recovered_too()
    {
        var path = await WriteDatabaseAsync("holed.db");
        var length = new FileInfo(path).Length;
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            // Three pages of noise at 40%: the b-tree leaves there are unreadable, the rest of the file is fine.
            file.Position = (length * 4 / 10) / 4096 * 4096;
            var noise = Enumerable.Range(0, 3 * 4096).Select(i => (byte)((i * 31) + 17)).ToArray();
            await file.WriteAsync(noise);
        }

        var failing = () => SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = path });
        (await failing.Should().ThrowAsync<OutboxStoreException>()).Which.Failure.Should().Be(OutboxStoreFailure.Corrupted, "by default a damaged file fails the open");

        await using var store = await OpenQuarantiningAsync(path);

        var recovered = await store.LoadPendingAsync();
        AssertIntact(recovered);
        recovered.Count.Should().BeLessThan(Records, "the damaged pages held some records");
        recovered.Should().Contain(r => r.Id > Records * 6 / 10, "the records after the damage are read back");
        recovered.Should().Contain(r => r.Id < Records * 3 / 10, "and the ones before it");
        store.Recovery!.UnreadableIds.Should().BePositive();
    }

    [Fact]
    public async Task The_checkpoint_comes_along_when_the_id_counter_is_readable_and_new_ids_do_not_reuse_old_ones()
    {
        var path = await WriteDatabaseAsync("tail.db");
        var length = new FileInfo(path).Length;
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.Position = length * 6 / 10 / 4096 * 4096;
            await file.WriteAsync(Enumerable.Repeat((byte)0xA5, 4096).ToArray());
        }

        await using var store = await OpenQuarantiningAsync(path);

        if (store.Recovery!.CheckpointRecovered)
        {
            (await store.LoadCheckpointAsync()).ToArray().Should().Equal(1, 2, 3);
        }
        else
        {
            (await store.LoadCheckpointAsync()).IsEmpty.Should().BeTrue("without a readable id counter the checkpoint is dropped, never kept with ids that may be reused");
        }

        var id = await store.AppendAsync(new OutboxRecord(WebSocketMessageType.Text, new byte[] { 1 }, DateTimeOffset.UnixEpoch));
        if (store.Recovery.CheckpointRecovered)
        {
            id.Should().BeGreaterThan(Records, "ids continue above every id the damaged file used");
        }
    }
}
