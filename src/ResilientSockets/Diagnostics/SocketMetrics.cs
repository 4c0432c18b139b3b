using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace ResilientSockets.Diagnostics;

/// <summary>
/// The instruments of one <see cref="Meter"/>, shared by every client that reports to it. Gauges are observed from
/// the live clients, so nothing is counted twice and a disposed client stops reporting.
/// </summary>
internal sealed class SocketMetrics
{
    internal static readonly ActivitySource ActivitySource = new(ResilientSocketsDiagnostics.ActivitySourceName, typeof(SocketMetrics).Assembly.GetName().Version?.ToString());

    private static readonly Meter SharedMeter = new(ResilientSocketsDiagnostics.MeterName, typeof(SocketMetrics).Assembly.GetName().Version?.ToString());
    private static readonly ConditionalWeakTable<Meter, SocketMetrics> ByMeter = new();

    private readonly ConcurrentDictionary<ResilientWebSocket, string> _clients = new();

    private SocketMetrics(Meter meter)
    {
        ConnectionAttempts = meter.CreateCounter<long>("resilientsockets.connection.attempts", "{attempt}", "Connection attempts, first connects and reconnects.");
        Reconnects = meter.CreateCounter<long>("resilientsockets.reconnects", "{reconnect}", "Successful reconnects after a lost connection.");
        MessagesSent = meter.CreateCounter<long>("resilientsockets.messages.sent", "{message}", "Messages written to an open socket.");
        BytesSent = meter.CreateCounter<long>("resilientsockets.bytes.sent", "By", "Payload bytes written to an open socket.");
        MessagesReceived = meter.CreateCounter<long>("resilientsockets.messages.received", "{message}", "Whole messages received.");
        BytesReceived = meter.CreateCounter<long>("resilientsockets.bytes.received", "By", "Payload bytes received.");
        MessagesDropped = meter.CreateCounter<long>("resilientsockets.messages.dropped", "{message}", "Accepted messages dropped by an overflow policy or expiry (tags: direction, reason, and reader for inbound drops).");
        SendFailures = meter.CreateCounter<long>("resilientsockets.send.failures", "{failure}", "Frame writes that failed because the link dropped (the message is retried on the next connection).");
        ConnectDuration = meter.CreateHistogram<double>("resilientsockets.connect.duration", "s", "Time to establish a connection (handshake and on-connected hook).");
        HeartbeatRoundTrip = meter.CreateHistogram<double>("resilientsockets.heartbeat.round_trip", "s", "Heartbeat ping to pong time.");
        TransferThroughput = meter.CreateHistogram<double>("resilientsockets.transfer.throughput", "By/s", "Average rate of completed outgoing chunked transfers.");
        meter.CreateObservableGauge("resilientsockets.queue.depth", ObserveQueueDepth, "{message}", "Messages waiting in the outbound queue.");
        SessionReplays = meter.CreateCounter<long>("resilientsockets.session.replays", "{message}", "Messages replayed to the server after a session resumed.");
        SessionResumes = meter.CreateCounter<long>("resilientsockets.session.resumes", "{resume}", "Sessions resumed after a reconnect.");
        SessionsLost = meter.CreateCounter<long>("resilientsockets.session.lost", "{session}", "Sessions the server no longer had on reconnect.");
        meter.CreateObservableGauge("resilientsockets.session.unacknowledged", ObserveUnacknowledged, "{message}", "Sent messages waiting for the server's acknowledgement.");
        meter.CreateObservableGauge("resilientsockets.session.unacknowledged_bytes", ObserveUnacknowledgedBytes, "By", "Bytes of sent frames kept for replay until the server acknowledges them.");
        meter.CreateObservableGauge("resilientsockets.outbox.pending", ObserveOutbox, "{message}", "Durable messages in the outbox: stored and not yet written (no session) or acknowledged (session).");
        meter.CreateObservableGauge("resilientsockets.client.state", ObserveState, "{state}", "The client's state as a number (0 Idle … 6 Faulted), tagged with its name.");
    }

    public Counter<long> ConnectionAttempts { get; }

    public Counter<long> SessionReplays { get; }

    public Counter<long> SessionResumes { get; }

    public Counter<long> SessionsLost { get; }

    public Counter<long> Reconnects { get; }

    public Counter<long> MessagesSent { get; }

    public Counter<long> BytesSent { get; }

    public Counter<long> MessagesReceived { get; }

    public Counter<long> BytesReceived { get; }

    public Counter<long> MessagesDropped { get; }

    public Counter<long> SendFailures { get; }

    public Histogram<double> ConnectDuration { get; }

    public Histogram<double> HeartbeatRoundTrip { get; }

    public Histogram<double> TransferThroughput { get; }

    public static SocketMetrics For(IMeterFactory? factory)
    {
        var meter = factory?.Create(new MeterOptions(ResilientSocketsDiagnostics.MeterName)) ?? SharedMeter;
        return ByMeter.GetValue(meter, static m => new SocketMetrics(m));
    }

    public void Register(ResilientWebSocket client, string name) => _clients[client] = name;

    public void Unregister(ResilientWebSocket client) => _clients.TryRemove(client, out _);

    private IEnumerable<Measurement<int>> ObserveUnacknowledged()
    {
        foreach (var pair in _clients)
        {
            yield return new Measurement<int>(pair.Key.UnacknowledgedMessageCount, new KeyValuePair<string, object?>(ResilientSocketsDiagnostics.ClientNameTag, pair.Value));
        }
    }

    private IEnumerable<Measurement<int>> ObserveOutbox()
    {
        foreach (var pair in _clients)
        {
            yield return new Measurement<int>(pair.Key.OutboxCount, new KeyValuePair<string, object?>(ResilientSocketsDiagnostics.ClientNameTag, pair.Value));
        }
    }

    private IEnumerable<Measurement<long>> ObserveUnacknowledgedBytes()
    {
        foreach (var pair in _clients)
        {
            yield return new Measurement<long>(pair.Key.UnacknowledgedBytes, new KeyValuePair<string, object?>(ResilientSocketsDiagnostics.ClientNameTag, pair.Value));
        }
    }

    private IEnumerable<Measurement<int>> ObserveQueueDepth()
    {
        foreach (var pair in _clients)
        {
            yield return new Measurement<int>(pair.Key.QueuedMessageCount, new KeyValuePair<string, object?>(ResilientSocketsDiagnostics.ClientNameTag, pair.Value));
        }
    }

    private IEnumerable<Measurement<int>> ObserveState()
    {
        foreach (var pair in _clients)
        {
            var state = pair.Key.State;
            yield return new Measurement<int>(
                (int)state,
                new KeyValuePair<string, object?>(ResilientSocketsDiagnostics.ClientNameTag, pair.Value),
                new KeyValuePair<string, object?>("resilientsockets.state", state.ToString()));
        }
    }
}
