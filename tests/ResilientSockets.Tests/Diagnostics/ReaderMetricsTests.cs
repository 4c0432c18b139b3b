using FluentAssertions;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Diagnostics;

/// <summary>A reader's drops are counted with its name, so a dashboard can tell which consumer falls behind.</summary>
public sealed class ReaderMetricsTests
{
    [Fact]
    public async Task The_drop_counter_carries_the_reader_name_and_the_inbound_direction()
    {
        using var meters = new TestMeterFactory();
        await using var server = await LoopbackWebSocketServer.StartAsync();
        await using var client = Sut.Create(server.GetUri("/echo"), o => o.MeterFactory = meters);
        using var dropped = new MetricCollector<long>(meters.Meter, "resilientsockets.messages.dropped");
        await client.StartAsync();
        using var ticker = client.CreateReader(new ReaderOptions { Name = "ticker", Capacity = 1, OverflowPolicy = OverflowPolicy.DropOldest });
        using var all = client.CreateReader();

        for (var i = 0; i < 3; i++)
        {
            await client.SendTextAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        await Eventually.TrueAsync(() => all.Count == 3, "every echo arrived");
        await Eventually.TrueAsync(() => dropped.GetMeasurementSnapshot().Count == 2, "two drops counted");
        dropped.GetMeasurementSnapshot().Should().OnlyContain(m =>
            (string?)m.Tags["reader"] == "ticker" && (string?)m.Tags["direction"] == "Inbound" && (string?)m.Tags["reason"] == "Overflow");
    }
}
