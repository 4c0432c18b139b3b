using System.Diagnostics.Metrics;

namespace ResilientSockets.Tests.Infrastructure;

/// <summary>A meter factory that hands out one meter, so a test's MetricCollector sees exactly one client's instruments.</summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    public Meter Meter { get; private set; } = null!;

    public Meter Create(MeterOptions options) => Meter ??= new Meter(options.Name, options.Version, options.Tags, scope: this);

    public void Dispose() => Meter?.Dispose();
}
