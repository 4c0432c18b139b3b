using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Framing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Sessions;

/// <summary>Chunked transfers ride the session: their frames are application messages to it, and they keep their own acks.</summary>
public sealed class SessionTransferTests
{
    [Fact]
    public async Task A_chunked_transfer_inside_a_session_completes_byte_identical_across_cuts()
    {
        var data = FrameTestHelpers.Data(4 * 1024 * 1024, seed: 13);
        await using var reassembler = new ChunkReassembler();
        await using var host = await AspNetSessionHost.StartAsync(handler: async (session, ct) =>
        {
            await foreach (var message in session.ReadAllAsync(ct))
            {
                var done = await reassembler.ProcessAsync(message.Data, (reply, token) => session.SendBinaryAsync(reply.ToArray(), token), ct);
                if (done is not null)
                {
                    using var copy = new MemoryStream();
                    await done.Content.CopyToAsync(copy, ct);
                    await session.SendTextAsync($"received {done.Length} {FrameTestHelpers.Sha256(copy.ToArray())}", ct);
                }
            }
        });
        await using var proxy = TcpFaultProxy.Start(host.Port);
        await using var client = Sut.Create(proxy.Wrap(host.Uri), o =>
        {
            o.Session = new ReliableSessionOptions();
            o.Framing = new ChunkedTransferOptions { ChunkSize = 64 * 1024 };
        });
        var states = new StateRecorder(client);
        using var reader = client.CreateReader();
        await client.StartAsync();
        var reports = new List<TransferProgress>();
        var cut = false;

        var transfer = client.SendTransferAsync(new MemoryStream(data), new ChunkMetadata { Name = "blob" }, new SyncProgress(p =>
        {
            reports.Add(p);
            if (!cut && p.ChunksAcknowledged >= 16)
            {
                cut = true;
                proxy.CutAll(); // mid-transfer: the session replays what was in flight, the transfer carries on
            }
        }));
        await transfer.WaitAsync(TimeSpan.FromSeconds(60));

        string? report = null;
        await foreach (var message in reader.ReadAllAsync(new CancellationTokenSource(TestTimeouts.Signal).Token))
        {
            if (message.IsText)
            {
                report = message.Text;
                break;
            }
        }

        report.Should().Be($"received {data.Length} {FrameTestHelpers.Sha256(data)}");
        cut.Should().BeTrue();
        states.States.Count(s => s == ConnectionState.Open).Should().BeGreaterThanOrEqualTo(2, "the link was cut and came back");
        host.Sessions.Should().HaveCount(1, "the session resumed: one conversation");
    }

    private sealed class SyncProgress(Action<TransferProgress> report) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value) => report(value);
    }
}
