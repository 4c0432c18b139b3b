using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace ResilientSockets.Outbox.Tests;

/// <summary>
/// Issue #14's offline test: while the server is down, a child process accepts 5,000 messages durably over three runs
/// of itself (the first is SIGKILLed after its share, the second exits normally, the third waits for delivery); then
/// the server starts and every message arrives once, in order.
/// </summary>
public sealed class OfflineTests(ITestOutputHelper output) : IDisposable
{
    private const int Total = 5_000;
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Messages_accepted_over_three_runs_while_the_server_is_down_arrive_once_in_order_when_it_comes_up(bool session)
    {
        var stopwatch = Stopwatch.StartNew();
        var port = ClientRecordingServer.FreePort();
        var uri = session ? ClientRecordingServer.SessionUriFor(port) : ClientRecordingServer.PlainUriFor(port);
        var db = _directory.File("outbox.db");
        string[] mode = session ? [] : ["--plain"];

        // Run a: its share accepted, then SIGKILL while it keeps trying to connect.
        await using (var a = CrashChildProcess.Start(uri, db, "a", 1, 1700, [.. mode, "--then", "hang"]))
        {
            (await a.WaitForFinishAsync(Deadline)).Should().Be("ACCEPTED");
            await a.KillAsync(Deadline);
            a.Returned.Should().Equal(Enumerable.Range(1, 1700));
        }

        // Run b: its share accepted, then a normal exit (the client and the store are disposed while offline).
        await using (var b = CrashChildProcess.Start(uri, db, "b", 1701, 3400, [.. mode, "--then", "exit"]))
        {
            (await b.WaitForFinishAsync(Deadline)).Should().Be("ACCEPTED");
            (await b.WaitForExitAsync(Deadline)).Should().Be(0);
            b.Returned.Should().Equal(Enumerable.Range(1701, 1700));
        }

        // Run c: its share accepted while still offline; then the server comes up and the run waits for delivery.
        await using var c = CrashChildProcess.Start(uri, db, "c", 3401, Total, [.. mode, "--then", "deliver"]);
        await c.WaitForReturnAsync(Total, Deadline);
        var offline = stopwatch.Elapsed;
        await using var server = await ClientRecordingServer.StartAsync(port);
        (await c.WaitForFinishAsync(Deadline)).Should().Be("DONE");
        (await c.WaitForExitAsync(Deadline)).Should().Be(0);
        c.Returned.Should().Equal(Enumerable.Range(3401, Total - 3400));

        await server.Received.WaitForCountAsync(Total, Deadline);
        var expected = Enumerable.Range(1, Total).Select(n => string.Create(CultureInfo.InvariantCulture, $"{n}:{(n <= 1700 ? "a" : n <= 3400 ? "b" : "c")}"));
        server.Received.Snapshot().Should().Equal(expected, "every accepted message arrives once, in acceptance order");
        output.WriteLine($"{(session ? "session" : "plain")}: {Total} accepted offline over 3 runs in {offline.TotalSeconds:F1} s, delivered {server.Received.Count} in {(stopwatch.Elapsed - offline).TotalSeconds:F1} s after the server started");
    }
}
