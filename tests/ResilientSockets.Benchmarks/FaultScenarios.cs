using System.Diagnostics;
using ResilientSockets.Testing;

namespace ResilientSockets.Benchmarks;

/// <summary>How long each client takes to get through a server restart and to notice a dead link.</summary>
internal static class FaultScenarios
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    /// <summary>
    /// This client's own server process is killed; while it is down one message is sent; the server comes back on the
    /// same port. Measured: from the new server listening to that message echoed back. A message the client did not
    /// keep never comes back and is counted as lost.
    /// </summary>
    public static async Task<ScenarioResult> RestartAsync(string name, bool quick)
    {
        var rounds = quick ? 1 : 5;
        var server = await ChildProcess.StartServerAsync();
        var port = server.Port;
        var times = new List<double>();
        var lost = 0;
        await using var client = IReconnectingClient.Create(name, liveness: null);
        try
        {
            await client.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/idle"));
            for (var round = 0; round < rounds; round++)
            {
                await server.KillAsync();
                await server.DisposeAsync();
                if (!await client.WaitForLossAsync(Patience))
                {
                    throw new InvalidOperationException($"{name} did not notice the server going away.");
                }

                await Task.Delay(300); // the server stays down a moment, so the message is sent into a dead link
                var text = $"queued {round}";
                client.Send(text);
                server = await ChildProcess.StartServerAsync(port);
                var clock = Stopwatch.StartNew();
                if (await client.WaitForMessageAsync(text, Patience))
                {
                    times.Add(clock.Elapsed.TotalMilliseconds);
                }
                else
                {
                    lost++;
                }
            }
        }
        finally
        {
            // The client is still connected; a graceful stop would wait for its connection to end.
            await server.KillAsync();
            await server.DisposeAsync();
        }

        return new ScenarioResult("restart-to-delivery", name, rounds)
        {
            Millis = times.Count == 0 ? double.NaN : Median(times),
            Lost = lost,
        };
    }

    /// <summary>
    /// A TCP proxy stops forwarding (both sockets stay open: a dead NAT mapping). Every client gets the same liveness
    /// budget of 2 s. Measured: from the black-hole to the client declaring the link dead.
    /// </summary>
    public static async Task<ScenarioResult> BlackHoleAsync(string name, int port, bool quick)
    {
        var rounds = quick ? 1 : 3;
        var budget = TimeSpan.FromSeconds(2);
        var times = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            await using var proxy = TcpFaultProxy.Start(port);
            await using var client = IReconnectingClient.Create(name, budget);
            await client.ConnectAsync(new Uri($"ws://127.0.0.1:{proxy.Port}/idle"));
            await Task.Delay(budget); // a few heartbeats go through first
            proxy.BlackHoleExistingLinks();
            var clock = Stopwatch.StartNew();
            if (!await client.WaitForLossAsync(Patience))
            {
                throw new InvalidOperationException($"{name} did not notice the black-holed link within {Patience}.");
            }

            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        return new ScenarioResult("black-hole-detection", name, rounds) { Millis = Median(times) };
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
