namespace ResilientSockets.Tests.Infrastructure;

/// <summary>The system clock, counting the timers it hands out that are still alive (for leak checks with real time).</summary>
internal sealed class CountingTimeProvider : TimeProvider
{
    private readonly TimerCount _count = new();

    public int ActiveTimers => _count.Active;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        => new CountedTimer(System.CreateTimer(callback, state, dueTime, period), _count, onChange: null);
}

/// <summary>A live-timer count shared by the counting time providers.</summary>
internal sealed class TimerCount
{
    private int _active;

    public int Active => Volatile.Read(ref _active);

    public void Add() => Interlocked.Increment(ref _active);

    public void Remove() => Interlocked.Decrement(ref _active);
}

/// <summary>Wraps a timer so its disposal is counted, and optionally reports every re-arm.</summary>
internal sealed class CountedTimer : ITimer
{
    private readonly ITimer _inner;
    private readonly TimerCount _count;
    private readonly Action<TimeSpan>? _onChange;
    private int _disposed;

    public CountedTimer(ITimer inner, TimerCount count, Action<TimeSpan>? onChange)
    {
        _inner = inner;
        _count = count;
        _onChange = onChange;
        count.Add();
    }

    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        _onChange?.Invoke(dueTime);
        return _inner.Change(dueTime, period);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _count.Remove();
        }

        _inner.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
