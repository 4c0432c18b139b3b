using ResilientSockets.Tests.Connectivity;
using ResilientSockets.Tests.Infrastructure;

namespace ResilientSockets.Tests.Lifecycle;

/// <summary>A client on fake time with a fake connectivity source: backoff delays are read off the timers it creates.</summary>
internal sealed record LifecycleSut(ResilientWebSocket Client, ObservableTimeProvider Time, StateRecorder States, FakeConnectivitySource Network) : IAsyncDisposable
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromHours(1);

    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(8);

    // Backoff timers are at most MaxDelay; the connect timeout (1 h), close timeout (30 min) and send watchdog (30 s) are longer.
    public static bool IsBackoffTimer(TimeSpan due) => due <= MaxDelay;

    public static LifecycleSut Create(Uri uri, Action<ResilientWebSocketOptions>? configure = null, bool online = true)
    {
        var time = new ObservableTimeProvider();
        var network = new FakeConnectivitySource(online);
        var options = new ResilientWebSocketOptions
        {
            Uri = uri,
            TimeProvider = time,
            Reconnect = { Delay = TimeSpan.FromSeconds(1), MaxDelay = MaxDelay, ConnectTimeout = ConnectTimeout, MinUptime = TimeSpan.FromSeconds(10) },
            Lifecycle = { Connectivity = network },
            CloseTimeout = TimeSpan.FromMinutes(30),
        };
        configure?.Invoke(options);
        var client = new ResilientWebSocket(options);
        return new LifecycleSut(client, time, new StateRecorder(client), network);
    }

    public Task<TimeSpan> NextBackoffAsync() => Time.NextTimerAsync(IsBackoffTimer);

    public ValueTask DisposeAsync() => Client.DisposeAsync();
}
