using ResilientSockets.Outbox.Sqlite;

namespace ResilientSockets.Outbox.Tests;

/// <summary>The client's checkpoint in the SQLite file: it survives a reopen, like the records.</summary>
public sealed class SqliteCheckpointTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task The_checkpoint_and_a_range_removal_survive_dispose_and_reopen()
    {
        var path = _directory.File("outbox.db");
        await using (var store = await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = path }))
        {
            for (var i = 0; i < 5; i++)
            {
                await store.AppendAsync(new OutboxRecord(System.Net.WebSockets.WebSocketMessageType.Binary, new byte[] { (byte)i }, DateTimeOffset.UnixEpoch));
            }

            await store.CompleteRangeAsync(1, 3);
            await store.SaveCheckpointAsync(new byte[] { 1, 2, 3, 4 });
        }

        await using var reopened = await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = path });
        (await reopened.LoadCheckpointAsync()).ToArray().Should().Equal(1, 2, 3, 4);
        (await reopened.LoadPendingAsync()).Select(r => r.Id).Should().Equal(4L, 5L);
        reopened.Count.Should().Be(2);
    }
}
