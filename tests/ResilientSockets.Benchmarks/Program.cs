// Benchmarks for ResilientSockets, side by side with raw ClientWebSocket (the floor) and Websocket.Client.
//   server <port>                   the Kestrel benchmark server (run in its own process)
//   server-tls                      the TLS server (HTTP/1.1 + HTTP/2, compression) for idle-1000-h2 and idle-200-deflate
//   scenarios [--quick] [--out DIR] [--pin] [--only a,b]
//                                   end-to-end scenarios over real sockets; starts the server process itself; writes
//                                   scenarios.md/.json/.png to DIR (default BenchmarkDotNet.Artifacts)
//   one <scenario> <client> <port>  one scenario for one client in this process (used by "scenarios")
//   micro [BenchmarkDotNet args]    micro benchmarks with the memory diagnoser
using ResilientSockets.Benchmarks;

return args.FirstOrDefault() switch
{
    "server-tls" => await TransportScenarios.ServeAsync(),
    "server" => await BenchServer.RunAsync(int.Parse(args.ElementAtOrDefault(1) ?? "0", System.Globalization.CultureInfo.InvariantCulture)),
    "scenarios" => await ScenarioRunner.RunAllAsync(
        quick: args.Contains("--quick"),
        OptionAfter("--out") ?? "BenchmarkDotNet.Artifacts",
        pin: args.Contains("--pin"),
        only: OptionAfter("--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries)),
    "one" => await ScenarioRunner.RunOneAsync(args[1], args[2], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), args.Contains("--quick")),
    "micro" => Micro.Run(args.Skip(1).ToArray()),
    _ => Usage(),
};

string? OptionAfter(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

static int Usage()
{
    Console.Error.WriteLine("usage: server <port> | scenarios [--quick] [--out DIR] [--pin] [--only a,b] | one <scenario> <client> <port> [--quick] | micro [args]");
    return 2;
}
