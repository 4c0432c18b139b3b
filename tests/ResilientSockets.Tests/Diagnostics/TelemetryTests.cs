using System.Diagnostics;
using System.Diagnostics.Metrics;
using FluentAssertions;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Diagnostics;

public sealed class TelemetryTests
{
    [Fact]
    public async Task Meter_instruments_record_a_real_reconnect()
    {
        using var meters = new TestMeterFactory();
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/sink"), o =>
        {
            o.Name = "metrics-test";
            o.MeterFactory = meters;
        });
        var states = new StateRecorder(client);
        using var attempts = new MetricCollector<long>(meters.Meter, "resilientsockets.connection.attempts");
        using var reconnects = new MetricCollector<long>(meters.Meter, "resilientsockets.reconnects");
        using var sent = new MetricCollector<long>(meters.Meter, "resilientsockets.messages.sent");
        using var bytes = new MetricCollector<long>(meters.Meter, "resilientsockets.bytes.sent");
        using var connect = new MetricCollector<double>(meters.Meter, "resilientsockets.connect.duration");
        using var state = new MetricCollector<int>(meters.Meter, "resilientsockets.client.state");
        using var depth = new MetricCollector<int>(meters.Meter, "resilientsockets.queue.depth");

        await client.StartAsync();
        await client.SendTextAsync("one");
        await client.SendTextAsync("three");
        await server.WaitUntilAsync(s => s.ReceivedCount == 2, TestTimeouts.Signal);
        server.AbortAll();
        await states.WaitForAsync(ConnectionState.Open, 2);
        await client.SendTextAsync("after");

        attempts.GetMeasurementSnapshot().EvaluateAsCounter().Should().Be(2);
        reconnects.GetMeasurementSnapshot().EvaluateAsCounter().Should().Be(1);
        sent.GetMeasurementSnapshot().EvaluateAsCounter().Should().Be(3);
        bytes.GetMeasurementSnapshot().EvaluateAsCounter().Should().Be(3 + 5 + 5);
        connect.GetMeasurementSnapshot().Should().HaveCount(2).And.OnlyContain(m => m.Value >= 0 && m.Tags[ResilientSocketsDiagnostics.ClientNameTag]!.Equals("metrics-test"));
        state.RecordObservableInstruments();
        state.LastMeasurement!.Value.Should().Be((int)ConnectionState.Open);
        state.LastMeasurement.Tags["resilientsockets.state"].Should().Be("Open");
        depth.RecordObservableInstruments();
        depth.LastMeasurement!.Value.Should().Be(0);
    }

    [Fact]
    public async Task Drops_are_counted_with_direction_and_reason()
    {
        using var meters = new TestMeterFactory();
        await using var client = new ResilientWebSocket(new ResilientWebSocketOptions
        {
            Uri = new Uri("ws://127.0.0.1:9/"),
            MeterFactory = meters,
            Sending = { Capacity = 1, OverflowPolicy = OverflowPolicy.Reject },
        });
        using var dropped = new MetricCollector<long>(meters.Meter, "resilientsockets.messages.dropped");

        client.TryPostText("kept").Should().BeTrue();
        client.TryPostText("refused").Should().BeFalse();

        var measurement = dropped.GetMeasurementSnapshot().Should().ContainSingle().Subject;
        measurement.Tags["direction"].Should().Be("Outbound");
        measurement.Tags["reason"].Should().Be("QueueFull");
    }

    [Fact]
    public async Task Connect_attempts_and_transfers_are_traced()
    {
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ResilientSocketsDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (activities) { activities.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.RejectNextHandshakes(1, 503);
        await using var reassembler = new ChunkReassembler();
        server.Map("/transfers", Framing.FrameTestHelpers.ReceivingRoute(reassembler));
        await using var client = Sut.Create(server.GetUri("/transfers"), o =>
        {
            o.Name = "trace-test";
            o.Framing = new ChunkedTransferOptions { ChunkSize = 1024 };
        });

        await client.StartAsync();
        var id = await client.SendTransferAsync(new byte[5000]);

        List<Activity> mine;
        lock (activities)
        {
            mine = activities.Where(a => Equals(a.GetTagItem(ResilientSocketsDiagnostics.ClientNameTag), "trace-test") || Equals(a.GetTagItem("resilientsockets.transfer.id"), id.ToString())).ToList();
        }

        var connects = mine.Where(a => a.OperationName == "ResilientSockets.Connect").ToList();
        connects.Should().HaveCount(2);
        connects[0].Status.Should().Be(ActivityStatusCode.Error);
        connects[1].Status.Should().Be(ActivityStatusCode.Ok);
        connects[1].GetTagItem("server.port").Should().Be(server.Port);
        connects[1].GetTagItem("resilientsockets.attempt").Should().Be(2);
        var transfer = mine.Should().ContainSingle(a => a.OperationName == "ResilientSockets.Transfer").Subject;
        transfer.GetTagItem("resilientsockets.transfer.bytes").Should().Be(5000L);
        transfer.Status.Should().Be(ActivityStatusCode.Ok);
    }
}
