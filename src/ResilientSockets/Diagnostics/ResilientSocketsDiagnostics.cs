namespace ResilientSockets;

/// <summary>
/// Names to subscribe to with OpenTelemetry: <c>.AddMeter(ResilientSocketsDiagnostics.MeterName)</c> and
/// <c>.AddSource(ResilientSocketsDiagnostics.ActivitySourceName)</c>. The instruments are listed in the README.
/// </summary>
public static class ResilientSocketsDiagnostics
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/>.</summary>
    public const string MeterName = "ResilientSockets";

    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/>.</summary>
    public const string ActivitySourceName = "ResilientSockets";

    /// <summary>The tag that carries <see cref="ResilientWebSocketOptions.Name"/> on every measurement.</summary>
    public const string ClientNameTag = "resilientsockets.client.name";
}
