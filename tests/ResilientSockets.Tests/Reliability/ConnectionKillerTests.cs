using System.Diagnostics;
using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ResilientSockets.Tests.Reliability;

public sealed class ConnectionKillerTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Twenty_thousand_sends_through_random_cuts_complete_or_fault_and_arrive_in_order()
    {
        const int Messages = 20_000;
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var proxy = TcpFaultProxy.Start(server.Port);
        await using var client = Sut.Create(proxy.Wrap(server.GetUri("/sink")), o =>
        {
            o.Reconnect.Delay = TimeSpan.FromMilliseconds(5);
            o.Reconnect.MaxDelay = TimeSpan.FromMilliseconds(50);
        });
        await client.StartAsync();
        using var stopKilling = new CancellationTokenSource();
        var cuts = 0;
        var killer = Task.Run(async () =>
        {
            var random = new Random(42);
            while (!stopKilling.IsCancellationRequested)
            {
                await Task.Delay(random.Next(50, 501), stopKilling.Token).ContinueWith(_ => { });
                if (!stopKilling.IsCancellationRequested)
                {
                    proxy.CutAll();
                    Interlocked.Increment(ref cuts);
                }
            }
        });

        var clock = Stopwatch.StartNew();
        var completed = 0;
        var faulted = 0;
        for (var i = 0; i < Messages; i++)
        {
            try
            {
                await client.SendTextAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture)).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
                completed++;
                if (i % 20 == 19)
                {
                    await Task.Delay(5); // pacing, so the run spans a few seconds and many cuts
                }
            }
            catch (ResilientWebSocketException)
            {
                faulted++;
            }
        }

        await stopKilling.CancelAsync();
        await killer;
        await client.SendTextAsync("end");
        await server.WaitUntilAsync(s => s.ReceivedMessages.Any(m => m.Text == "end"), TestTimeouts.Signal);

        var received = server.ReceivedMessages.Select(m => m.Text).Where(t => t != "end").Select(t => int.Parse(t, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var lost = completed - received.Count;
        foreach (var dup in received.GroupBy(x => x).Where(g => g.Count() > 1).Select(g => g.Key).Take(5))
        {
            var places = server.Connections.SelectMany(c => c.Received.Select((m, index) => (c.Id, index, m.Text, c.Received.Count))).Where(p => p.Text == dup.ToString(System.Globalization.CultureInfo.InvariantCulture));
            output.WriteLine($"duplicate {dup}: " + string.Join("; ", places.Select(p => $"connection {p.Id} position {p.index} of {p.Count}")));
        }

        output.WriteLine($"connection killer: {Messages} sent in {clock.Elapsed.TotalSeconds:0.0} s, {cuts} cuts, {server.Connections.Count} connections, {completed} completed, {faulted} faulted, {received.Count} received, {lost} lost in flight, {received.Count - received.Distinct().Count()} duplicates");
        (completed + faulted).Should().Be(Messages, "every call completes or faults");
        faulted.Should().Be(0, "nothing stops the client, so nothing may be refused");
        received.Should().BeInAscendingOrder("FIFO holds across every reconnect");

        // A write that fails as the link dies is sent again first on the next connection; a failed write never put the
        // whole frame on the wire (writes carry no cancellation token, see ResilientWebSocket.WriteFrame), so the server
        // cannot have it already.
        received.Should().OnlyHaveUniqueItems("a message is written again only if its earlier write failed, and a failed write never reached the server");
        cuts.Should().BeGreaterThan(3);
        lost.Should().BeGreaterThanOrEqualTo(0).And.BeLessThanOrEqualTo(cuts * 256, "only messages in flight (in socket and proxy buffers) when a link is cut can be lost (README: guarantees)");
    }
}
