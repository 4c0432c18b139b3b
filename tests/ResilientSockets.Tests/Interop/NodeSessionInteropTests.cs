using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.WebSockets;
using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ResilientSockets.Tests.Interop;

/// <summary>The .NET client's sessions against an implementation nobody here wrote from code: the Node peer built from the README.</summary>
[Collection(ProcessWideCollection.Name)]
public sealed class NodeSessionInteropTests(ITestOutputHelper output)
{
    private static ResilientWebSocket CreateClient(Uri uri, Action<ResilientWebSocketOptions>? configure = null) => Sut.Create(uri, o =>
    {
        o.Session = new ReliableSessionOptions();
        o.Reconnect.Delay = TimeSpan.FromMilliseconds(5);
        o.Reconnect.MaxDelay = TimeSpan.FromMilliseconds(50);
        configure?.Invoke(o);
    });

    [Fact]
    public async Task Twenty_thousand_messages_each_way_through_random_cuts_arrive_exactly_once_in_order_on_both_sides()
    {
        const int Messages = 20_000;
        await using var peer = await NodeSessionPeer.StartAsync();
        await using var proxy = TcpFaultProxy.Start(peer.Port);
        await using var client = CreateClient(proxy.Wrap(peer.GetUri($"/session/count?n={Messages}")));
        var lost = 0;
        client.SessionLost += (_, _) => Interlocked.Increment(ref lost);
        using var reader = client.CreateReader(new ReaderOptions { Capacity = 100_000 });
        await client.StartAsync();
        var result = await KillerAsync(client, reader, proxy, Messages);

        var stats = await peer.GetAsync($"/stats?id={client.SessionId}");
        output.WriteLine($"node peer: {result.Summary}; server saw {stats.GetProperty("receivedBinary").GetInt32()} binary messages; stats {stats}");
        result.Texts.Should().Equal(Enumerable.Range(0, Messages), "the server's 20,000 messages arrive exactly once, in order");
        result.Echoes.Should().Equal(Enumerable.Range(0, Messages), "the client's 20,000 messages reached the server's application exactly once, in order (it echoes each once)");
        stats.GetProperty("receivedBinary").GetInt32().Should().Be(Messages);
        result.Cuts.Should().BeGreaterThan(3);
        lost.Should().Be(0, "the session survived every cut");
    }

    [Fact]
    public async Task A_server_that_lost_its_sessions_is_reported_as_session_lost_and_the_new_session_works()
    {
        await using var peer = await NodeSessionPeer.StartAsync();
        await using var proxy = TcpFaultProxy.Start(peer.Port);
        await using var client = CreateClient(proxy.Wrap(peer.GetUri("/session/echo")));
        var lostEvent = new TaskCompletionSource<SessionLostEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.SessionLost += (_, e) => lostEvent.TrySetResult(e);
        using var reader = client.CreateReader();
        await client.StartAsync();
        await client.SendTextAsync("before", new SendOptions { WaitForAcknowledgement = true });
        var first = client.SessionId;

        proxy.BlackHoleExistingLinks(); // nothing sent now is acknowledged
        await client.SendTextAsync("unacknowledged");
        (await peer.GetAsync("/admin/forget")).GetProperty("forgotten").GetInt32().Should().Be(1, "the server forgets its sessions, as a restart would");
        proxy.CutAll();

        var lost = await lostEvent.Task.WaitAsync(TestTimeouts.Signal);
        lost.LostSessionId.Should().Be(first);
        lost.NewSessionId.Should().NotBe(first).And.Be(client.SessionId);
        lost.UnacknowledgedMessages.Should().Be(1);
        await client.SendTextAsync("after", new SendOptions { WaitForAcknowledgement = true });
        var texts = new List<string>();
        await foreach (var message in reader.ReadAllAsync(new CancellationTokenSource(TestTimeouts.Signal).Token))
        {
            texts.Add(message.Text);
            if (message.Text == "after")
            {
                break;
            }
        }

        texts.Should().StartWith("before").And.EndWith("after");
    }

    [Fact]
    public async Task A_server_that_does_not_speak_the_session_protocol_is_refused_at_once_with_the_reason()
    {
        await using var peer = await NodeSessionPeer.StartAsync();
        await using var client = CreateClient(peer.GetUri("/plain/echo"));

        var error = (await client.Invoking(c => c.StartAsync()).Should().ThrowAsync<WebSocketConnectException>()).Which;

        error.Message.Should().Contain(SessionFrameCodec.SubProtocol).And.Contain("does not speak");
        client.State.Should().Be(ConnectionState.Faulted);
    }

    internal static async Task<KillerResult> KillerAsync(ResilientWebSocket client, WebSocketMessageReader reader, TcpFaultProxy proxy, int messages)
    {
        using var stop = new CancellationTokenSource();
        var cuts = 0;
        var killer = Task.Run(async () =>
        {
            var random = new Random(1129);
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(random.Next(50, 501), stop.Token).ContinueWith(_ => { });
                if (!stop.IsCancellationRequested)
                {
                    proxy.CutAll();
                    Interlocked.Increment(ref cuts);
                }
            }
        });

        var clock = Stopwatch.StartNew();
        var sending = Task.Run(async () =>
        {
            var payload = new byte[4];
            for (var i = 0; i < messages; i++)
            {
                BinaryPrimitives.WriteInt32BigEndian(payload, i);
                await client.SendBinaryAsync(payload.ToArray());
                if (i % 20 == 19)
                {
                    await Task.Delay(5); // pacing, so the run spans many cuts
                }
            }
        });

        var texts = new List<int>(messages);
        var echoes = new List<int>(messages);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await foreach (var message in reader.ReadAllAsync(deadline.Token))
        {
            if (message.IsText)
            {
                texts.Add(int.Parse(message.Text, System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                echoes.Add(BinaryPrimitives.ReadInt32BigEndian(message.Data.Span));
            }

            if (texts.Count == messages && echoes.Count == messages)
            {
                break;
            }
        }

        await sending;
        await stop.CancelAsync();
        await killer;
        return new KillerResult(texts, echoes, cuts, $"{messages} each way in {clock.Elapsed.TotalSeconds:0.0} s, {cuts} cuts, {texts.Count} received, {echoes.Count} echoed, {texts.Count - texts.Distinct().Count()} + {echoes.Count - echoes.Distinct().Count()} duplicates");
    }

    internal sealed record KillerResult(List<int> Texts, List<int> Echoes, int Cuts, string Summary);
}
