using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Connection;

/// <summary>A send before StartAsync is queued, not lost, and the first one per client is logged so a forgotten start shows.</summary>
public sealed class SendBeforeStartTests
{
    [Fact]
    public async Task Sends_before_StartAsync_wait_for_the_start_are_logged_once_and_then_arrive_in_order()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var logger = new CapturingLogger();
        await using var client = Sut.Create(server.GetUri("/echo"), logger: logger);

        var first = client.SendTextAsync("one").AsTask();
        var second = client.SendTextAsync("two").AsTask();
        client.TryPostText("three").Should().BeTrue();

        first.IsCompleted.Should().BeFalse("nothing is sent until the client is started");
        second.IsCompleted.Should().BeFalse();
        client.State.Should().Be(ConnectionState.Idle);
        server.HandshakeCount.Should().Be(0);
        var notes = logger.Entries.Where(e => e.Id.Id == 19).ToArray();
        notes.Should().ContainSingle().Which.Id.Name.Should().Be("QueuedBeforeStart");
        notes[0].Level.Should().Be(Microsoft.Extensions.Logging.LogLevel.Information);
        notes[0].Text.Should().Contain("before StartAsync");

        await client.StartAsync();
        await Task.WhenAll(first, second).WaitAsync(TestTimeouts.Signal);
        await server.WaitUntilAsync(s => s.ReceivedCount == 3, TestTimeouts.Signal);

        server.ReceivedMessages.Select(m => m.Text).Should().Equal("one", "two", "three");
        await client.SendTextAsync("after start");
        logger.Entries.Count(e => e.Id.Id == 19).Should().Be(1);
    }
}
