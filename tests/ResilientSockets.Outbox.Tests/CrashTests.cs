using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace ResilientSockets.Outbox.Tests;

/// <summary>
/// Issue #14's crash test: a child process sends 20,000 numbered messages durably (SQLite outbox, reliable session) to
/// a Kestrel session server in this process; the test SIGKILLs it at 20 random moments and restarts it on the same
/// database each time. The server's application must see every message whose durable send returned exactly once, in
/// acceptance order; a message whose send had not returned may be missing, never duplicated.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output) : IDisposable
{
    private const int Total = 20_000;
    private const int Kills = 20;
    private const int SigKillExitCode = 128 + 9;
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Every_message_whose_durable_send_returned_arrives_exactly_once_in_order_across_twenty_SIGKILLs()
    {
        // The kill moments are the test's input: seeded, printed, and replayable with OUTBOX_CRASH_SEED.
        var seed = int.TryParse(Environment.GetEnvironmentVariable("OUTBOX_CRASH_SEED"), CultureInfo.InvariantCulture, out var given) ? given : Random.Shared.Next();
        output.WriteLine($"seed {seed} (set OUTBOX_CRASH_SEED to replay)");
        var random = new Random(seed);
        var stopwatch = Stopwatch.StartNew();
        await using var server = await ClientRecordingServer.StartAsync();
        var db = _directory.File("outbox.db");
        var runs = new List<Run>();
        var killedWhileSending = 0;
        var next = 1;
        for (var run = 0; run <= Kills; run++)
        {
            var runId = "r" + run.ToString(CultureInfo.InvariantCulture);
            if (run == Kills)
            {
                await using var final = CrashChildProcess.Start(server.SessionUri, db, runId, next, Total);
                (await final.WaitForFinishAsync(Deadline)).Should().Be("DONE");
                (await final.WaitForExitAsync(Deadline)).Should().Be(0);
                runs.Add(RunOf(final, next, output, "ran to the end"));
                break;
            }

            // Durable sends return at thousands per second, so a kill timed from the start alone would use up the 20,000
            // numbers within a few runs. The kill comes at a random returned number (around a fair share of what is
            // left) plus a random 0-20 ms while the child keeps sending; a cap keeps numbers for the runs still to come
            // (a child that reaches it waits, idle, for its kill: counted apart).
            var killsLeft = Kills - run;
            var share = (Total - next + 1) / (killsLeft + 1);
            var cap = Math.Min(next + (3 * share) - 1, Total - killsLeft);
            var target = next + random.Next(0, Math.Min(2 * share, cap - next + 1));
            var delay = random.Next(0, 21);
            await using var child = CrashChildProcess.Start(server.SessionUri, db, runId, next, cap, "--then", "hang");
            await child.WaitForReturnAsync(target, Deadline);
            await Task.Delay(delay);
            await child.KillAsync(Deadline);
            child.ExitCode.Should().Be(SigKillExitCode, $"run {runId} must die by the SIGKILL, not by itself");
            var sending = child.Returned[^1] < cap;
            killedWhileSending += sending ? 1 : 0;
            runs.Add(RunOf(child, next, output, $"killed {delay} ms after the return of {target}{(sending ? "" : $", idle at its cap {cap}")}"));
            next = runs[^1].LastReturned + 1;
        }

        killedWhileSending.Should().BeGreaterThan(Kills / 2, "most kills must hit a child that is still sending");
        runs[^1].LastReturned.Should().Be(Total);
        var last = $"{Total}:{runs[^1].RunId}";
        await server.Received.WaitUntilAsync(m => m.Count > 0 && m[^1] == last, Deadline, "the last message of the final run");
        var received = server.Received.Snapshot();
        stopwatch.Stop();

        var notReturnedArrivals = AssertExactlyOnceInAcceptanceOrder(runs, received);
        output.WriteLine($"kills {Kills} ({killedWhileSending} while sending), restarts {Kills}, messages received {received.Length}, returned {runs.Sum(r => r.LastReturned - r.First + 1)}, "
            + $"not-returned messages that arrived anyway {notReturnedArrivals}, time {stopwatch.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>Checks the server's list against what each run printed; returns how many messages arrived whose send had not returned.</summary>
    private static int AssertExactlyOnceInAcceptanceOrder(List<Run> runs, string[] received)
    {
        var runIndex = runs.Select((run, index) => (run.RunId, index)).ToDictionary(x => x.RunId, x => x.index);
        var parsed = received.Select(text =>
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            return (Number: int.Parse(text.AsSpan(0, colon), CultureInfo.InvariantCulture), Run: runIndex[text[(colon + 1)..]]);
        }).ToArray();

        parsed.GroupBy(m => m).Where(g => g.Count() > 1).Select(g => $"{g.Key.Number}:{runs[g.Key.Run].RunId} x{g.Count()}")
            .Should().BeEmpty("no message may arrive twice");

        // Acceptance order: runs in order, and within a run the numbers it sent, one after another.
        for (var i = 1; i < parsed.Length; i++)
        {
            var (previous, current) = (parsed[i - 1], parsed[i]);
            var inOrder = current.Run > previous.Run || (current.Run == previous.Run && current.Number == previous.Number + 1);
            inOrder.Should().BeTrue($"message {i} ({received[i]}) must follow {received[i - 1]} in acceptance order");
        }

        var notReturned = 0;
        for (var r = 0; r < runs.Count; r++)
        {
            var numbers = parsed.Where(m => m.Run == r).Select(m => m.Number).ToArray();
            var run = runs[r];

            // Every returned send arrived; beyond them at most the one send that was in flight when the kill came (sends are sequential).
            numbers.Should().NotBeEmpty($"run {run.RunId} had returned sends");
            numbers[0].Should().Be(run.First, $"run {run.RunId}'s first returned message must arrive");
            numbers[^1].Should().BeInRange(run.LastReturned, run.LastReturned + 1, $"run {run.RunId} returned up to {run.LastReturned}");
            notReturned += numbers[^1] - run.LastReturned;
        }

        return notReturned;
    }

    private static Run RunOf(CrashChildProcess child, int first, ITestOutputHelper output, string how)
    {
        var returned = child.Returned;
        returned.Should().NotBeEmpty();
        returned.Should().Equal(Enumerable.Range(first, returned.Count), $"run {child.RunId} sends one number after another from {first}");
        output.WriteLine($"run {child.RunId}: returned {first}..{returned[^1]} ({returned.Count}), {how}");
        return new Run(child.RunId, first, returned[^1]);
    }

    private sealed record Run(string RunId, int First, int LastReturned);
}
