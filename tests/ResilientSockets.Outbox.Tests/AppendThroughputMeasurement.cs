using System.Diagnostics;
using ResilientSockets.Outbox.Sqlite;
using Xunit.Abstractions;

namespace ResilientSockets.Outbox.Tests;

/// <summary>
/// A quick figure, not a benchmark: AppendAsync throughput of 64-byte messages with 1 and 8 awaiting appenders, and
/// with 1 appender keeping 256 appends in flight (pipelined, as a sender under its own lock does), printed to the test
/// output. No timing is asserted (the machine is shared); that every append was stored is.
/// </summary>
public sealed class AppendThroughputMeasurement(ITestOutputHelper output) : IDisposable
{
    private const int AppendsPerAppender = 1000;
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(SqliteOutboxDurability.FlushPerCommit, 1)]
    [InlineData(SqliteOutboxDurability.FlushPerCommit, 8)]
    [InlineData(SqliteOutboxDurability.OsBuffered, 1)]
    [InlineData(SqliteOutboxDurability.OsBuffered, 8)]
    public async Task Sqlite_append_throughput_is_printed(SqliteOutboxDurability durability, int appenders)
    {
        await using var store = await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = _directory.File("bench.db"), Durability = durability });

        var (elapsed, transactions) = await MeasureAsync(store, appenders, () => store.TransactionCount);

        store.Count.Should().Be(appenders * AppendsPerAppender);
        output.WriteLine($"SQLite {durability}, {appenders} awaiting appender(s): {appenders * AppendsPerAppender / elapsed.TotalSeconds:N0} appends/s, {transactions} transactions for {appenders * AppendsPerAppender} appends");
    }

    [Theory]
    [InlineData(SqliteOutboxDurability.FlushPerCommit)]
    [InlineData(SqliteOutboxDurability.OsBuffered)]
    public async Task Sqlite_pipelined_append_throughput_is_printed(SqliteOutboxDurability durability)
    {
        const int Appends = 20_000;
        const int InFlight = 256;
        await using var store = await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = _directory.File("pipelined.db"), Durability = durability });
        var payload = new byte[64];
        var window = new Queue<Task<long>>(InFlight);
        var before = store.TransactionCount;
        var stopwatch = Stopwatch.StartNew();

        for (var i = 0; i < Appends; i++)
        {
            if (window.Count == InFlight)
            {
                await window.Dequeue();
            }

            window.Enqueue(store.AppendAsync(new OutboxRecord(WebSocketMessageType.Binary, payload, DateTimeOffset.UnixEpoch)));
        }

        var ids = await Task.WhenAll(window);
        stopwatch.Stop();

        ids.Should().BeInAscendingOrder();
        store.Count.Should().Be(Appends);
        output.WriteLine($"SQLite {durability}, 1 appender with {InFlight} in flight: {Appends / stopwatch.Elapsed.TotalSeconds:N0} appends/s, {store.TransactionCount - before} transactions for {Appends} appends");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public async Task In_memory_append_throughput_is_printed(int appenders)
    {
        await using var store = new InMemoryOutboxStore();

        var (elapsed, _) = await MeasureAsync(store, appenders, () => 0);

        store.Count.Should().Be(appenders * AppendsPerAppender);
        output.WriteLine($"In memory, {appenders} appender(s): {appenders * AppendsPerAppender / elapsed.TotalSeconds:N0} appends/s");
    }

    private static async Task<(TimeSpan Elapsed, long Transactions)> MeasureAsync(IOutboxStore store, int appenders, Func<long> transactions)
    {
        var payload = new byte[64];
        var before = transactions();
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, appenders).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < AppendsPerAppender; i++)
            {
                await store.AppendAsync(new OutboxRecord(WebSocketMessageType.Binary, payload, DateTimeOffset.UnixEpoch));
            }
        })));
        stopwatch.Stop();
        return (stopwatch.Elapsed, transactions() - before);
    }
}
