using System.Net.WebSockets;
using FluentAssertions;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Sessions;

/// <summary>The client's replay buffer: bounded, back-pressure when full, nothing dropped, freed by acknowledgements.</summary>
public sealed class ReplayBufferTests
{
    [Fact]
    public async Task When_the_replay_buffer_is_full_sends_wait_for_acknowledgements_and_nothing_is_dropped()
    {
        var firstTen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseAcks = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sequences = new List<ulong>();
        await using var server = await ScriptedSessionServer.StartAsync(async (socket, _) =>
        {
            await ScriptedSessionServer.SendAsync(socket, ScriptedSessionServer.Welcome(Guid.NewGuid()));
            var buffer = new byte[1024];
            while (sequences.Count < 30)
            {
                var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
                var frame = SessionFrameCodec.Decode(buffer.AsSpan(0, received.Count), received.Count);
                if (frame.Kind != SessionFrameKind.Data)
                {
                    continue;
                }

                lock (sequences)
                {
                    sequences.Add(frame.Value);
                }

                if (sequences.Count == 10)
                {
                    firstTen.TrySetResult();
                    await releaseAcks.Task;
                }

                if (sequences.Count % 10 == 0)
                {
                    await ScriptedSessionServer.SendAsync(socket, ScriptedSessionServer.Control(SessionFrameKind.Ack, frame.Value));
                }
            }
        });
        await using var client = Sut.Create(server.Uri, o => o.Session = new ReliableSessionOptions { MaxUnacknowledgedMessages = 10 });
        await client.StartAsync();

        var sends = Enumerable.Range(0, 30).Select(i => client.SendTextAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture)).AsTask()).ToArray();
        await firstTen.Task.WaitAsync(TestTimeouts.Signal);
        await Eventually.TrueAsync(() => client.QueuedMessageCount == 20, "the other 20 wait in the queue");

        client.UnacknowledgedMessageCount.Should().Be(10);
        sends.Count(s => s.IsCompleted).Should().Be(10, "only what fits the replay buffer is written");
        lock (sequences)
        {
            sequences.Should().HaveCount(10, "nothing past the bound reached the wire");
        }

        releaseAcks.TrySetResult();
        await Task.WhenAll(sends).WaitAsync(TestTimeouts.Signal);
        await client.FlushAsync().WaitAsync(TestTimeouts.Signal);

        sequences.Should().Equal(Enumerable.Range(1, 30).Select(i => (ulong)i), "every message went out once, in order");
        client.UnacknowledgedMessageCount.Should().Be(0);
    }
}
