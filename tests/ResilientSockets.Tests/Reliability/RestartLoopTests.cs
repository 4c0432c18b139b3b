using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ResilientSockets.Tests.Reliability;

[Collection(ProcessWideCollection.Name)]
public sealed class RestartLoopTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Fifty_server_restarts_each_end_in_Open_and_leave_no_sockets_tasks_or_timers()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var time = new CountingTimeProvider();
        var handlesBefore = await ProcessResources.SettledOpenHandlesAsync();
        var client = Sut.Create(server.GetUri("/echo"), o =>
        {
            o.TimeProvider = time;
            o.Reconnect.Delay = TimeSpan.FromMilliseconds(10);
            o.Reconnect.MaxDelay = TimeSpan.FromMilliseconds(100);
            o.Heartbeat.Enabled = true;
            o.Heartbeat.Interval = TimeSpan.FromSeconds(1);
        });
        var states = new StateRecorder(client);
        await client.StartAsync();

        for (var restart = 1; restart <= 50; restart++)
        {
            var connectionsBefore = server.Connections.Count;
            await server.RestartAsync();
            await Eventually.TrueAsync(() => client.State == ConnectionState.Open && server.Connections.Count > connectionsBefore, $"the client is Open again after restart {restart}");
        }

        states.States.Count(s => s == ConnectionState.Open).Should().BeGreaterThanOrEqualTo(51);

        await client.SendTextAsync("still works");
        await client.DisposeAsync();

        client.HasRunningWork.Should().BeFalse("no loop of the client is left");
        time.ActiveTimers.Should().Be(0, "no timer of the client is left");
        ProcessResources.EstablishedConnectionsTo(server.Port).Should().Be(0, "no socket of the client is left open");
        var handlesAfter = await ProcessResources.SettledOpenHandlesAsync();
        output.WriteLine($"restart loop: 50 restarts, {server.Connections.Count} connections; handles {handlesBefore} -> {handlesAfter}");
        (handlesAfter - handlesBefore).Should().BeLessThan(20);
    }
}
