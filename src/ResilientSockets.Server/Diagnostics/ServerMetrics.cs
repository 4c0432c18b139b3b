using System.Collections.Generic;
using System.Diagnostics.Metrics;

namespace ResilientSockets.Server.Diagnostics;

/// <summary>
/// The instruments of the meter named <see cref="MeterName"/>: few and cheap, counted where the session already holds
/// its lock.
/// </summary>
internal sealed class ServerMetrics
{
    public const string MeterName = "ResilientSockets.Server";

    private static readonly Meter SharedMeter = new(MeterName, typeof(ServerMetrics).Assembly.GetName().Version?.ToString());

    public ServerMetrics(IMeterFactory? factory)
    {
        var meter = factory?.Create(new MeterOptions(MeterName)) ?? SharedMeter;
        Active = meter.CreateUpDownCounter<long>("resilientsockets.server.sessions.active", "{session}", "Sessions alive (attached or detached).");
        Detached = meter.CreateUpDownCounter<long>("resilientsockets.server.sessions.detached", "{session}", "Sessions waiting for their client to resume them.");
        Resumes = meter.CreateCounter<long>("resilientsockets.server.session.resumes", "{resume}", "HELLOs that resumed a session.");
        Lost = meter.CreateCounter<long>("resilientsockets.server.sessions.lost", "{session}", "Sessions that ended without a close 1000 (tag: reason).");
        Replayed = meter.CreateCounter<long>("resilientsockets.server.messages.replayed", "{message}", "DATA frames written again after a resume.");
        UnacknowledgedMessages = meter.CreateUpDownCounter<long>("resilientsockets.server.unacknowledged.messages", "{message}", "Sent messages held until the client acknowledges them.");
        UnacknowledgedBytes = meter.CreateUpDownCounter<long>("resilientsockets.server.unacknowledged.bytes", "By", "Bytes of the frames held until the client acknowledges them.");
    }

    public UpDownCounter<long> Active { get; }

    public UpDownCounter<long> Detached { get; }

    public Counter<long> Resumes { get; }

    public Counter<long> Lost { get; }

    public Counter<long> Replayed { get; }

    public UpDownCounter<long> UnacknowledgedMessages { get; }

    public UpDownCounter<long> UnacknowledgedBytes { get; }

    public void RecordLost(ResilientSessionEndReason reason) =>
        Lost.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()));
}
