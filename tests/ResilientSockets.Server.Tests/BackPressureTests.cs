namespace ResilientSockets.Server.Tests;

public sealed class BackPressureTests
{
    [Fact]
    public async Task When_the_replay_buffer_is_full_sends_wait_for_acks_and_nothing_is_dropped()
    {
        var completedSends = 0;
        await using var server = await SessionServer.StartAsync(async (session, ct) =>
        {
            for (var i = 1; i <= 10; i++)
            {
                await session.SendTextAsync($"m{i}", ct);
                Volatile.Write(ref completedSends, i);
            }

            await Task.Delay(Timeout.Infinite, ct);
        }, o => o.MaxUnacknowledgedMessages = 3);
        var (client, _) = await RawSessionClient.StartAsync(server.Uri);
        await using var __ = client;
        var session = await server.SingleSessionAsync();

        var received = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            received.Add((await client.ReceiveUntilAsync(SessionFrameKind.Data)).Text);
        }

        // A PONG after the third message proves the writer ran and had no fourth message to write.
        await client.SendControlAsync(SessionFrameKind.Ping, 1);
        (await client.ReceiveAsync()).Header.Kind.Should().Be(SessionFrameKind.Pong);
        Volatile.Read(ref completedSends).Should().Be(3, "the fourth send waits for room");
        session.UnacknowledgedMessages.Should().Be(3);

        ulong acked = 0;
        while (received.Count < 10)
        {
            acked = (ulong)received.Count;
            await client.SendControlAsync(SessionFrameKind.Ack, acked);
            received.Add((await client.ReceiveUntilAsync(SessionFrameKind.Data)).Text);
        }

        received.Should().Equal(Enumerable.Range(1, 10).Select(i => $"m{i}"));
        await client.SendControlAsync(SessionFrameKind.Ack, 10);
        await Eventually.TrueAsync(() => session.UnacknowledgedMessages == 0 && Volatile.Read(ref completedSends) == 10, "everything acknowledged");
        session.UnacknowledgedBytes.Should().Be(0);
    }

    [Fact]
    public async Task Sends_wait_on_the_byte_bound_too_and_FlushAsync_completes_when_everything_is_acknowledged()
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await SessionServer.StartAsync(async (session, ct) =>
        {
            await session.SendBinaryAsync(new byte[600], ct);
            await session.SendBinaryAsync(new byte[600], ct); // over 1000 bytes with the first: waits for its ack
            await session.FlushAsync(ct);
            flushed.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
        }, o => o.MaxUnacknowledgedBytes = 1000);
        var (client, _) = await RawSessionClient.StartAsync(server.Uri);
        await using var __ = client;
        var session = await server.SingleSessionAsync();

        (await client.ReceiveUntilAsync(SessionFrameKind.Data)).Header.Value.Should().Be(1);
        await client.SendControlAsync(SessionFrameKind.Ping, 1);
        (await client.ReceiveAsync()).Header.Kind.Should().Be(SessionFrameKind.Pong);
        session.MessagesSent.Should().Be(1);

        await client.SendControlAsync(SessionFrameKind.Ack, 1);
        (await client.ReceiveUntilAsync(SessionFrameKind.Data)).Header.Value.Should().Be(2);
        flushed.Task.IsCompleted.Should().BeFalse();
        await client.SendControlAsync(SessionFrameKind.Ack, 2);

        await flushed.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
