namespace ResilientSockets.Tests.Connectivity;

/// <summary>A connectivity source the test flips by hand.</summary>
internal sealed class FakeConnectivitySource(bool online = true) : IConnectivitySource
{
    private EventHandler<ConnectivityChangedEventArgs>? _changed;
    private volatile bool _online = online;

    public bool IsOnline => _online;

    public int SubscriberCount => _changed?.GetInvocationList().Length ?? 0;

    public event EventHandler<ConnectivityChangedEventArgs>? ConnectivityChanged
    {
        add => _changed += value;
        remove => _changed -= value;
    }

    public void Set(bool online)
    {
        _online = online;
        _changed?.Invoke(this, new ConnectivityChangedEventArgs(online));
    }
}
