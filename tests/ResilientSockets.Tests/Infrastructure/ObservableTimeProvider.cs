using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace ResilientSockets.Tests.Infrastructure;

/// <summary>A FakeTimeProvider that also reports every timer created, so a test can wait for "the client is now waiting" instead of guessing.</summary>
internal sealed class ObservableTimeProvider : TimeProvider
{
    private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();
    private readonly TimerCount _count = new();

    public FakeTimeProvider Fake { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>Timers created and not yet disposed.</summary>
    public int ActiveTimers => _count.Active;

    public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow();

    public override long GetTimestamp() => Fake.GetTimestamp();

    public override long TimestampFrequency => Fake.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => Fake.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new CountedTimer(Fake.CreateTimer(callback, state, dueTime, period), _count, due => _timers.Writer.TryWrite(due));
        _timers.Writer.TryWrite(dueTime);
        return timer;
    }

    public void Advance(TimeSpan by) => Fake.Advance(by);

    /// <summary>Waits (in real time) for the next timer armed (created or changed) with a finite due time that passes <paramref name="filter"/>.</summary>
    public async Task<TimeSpan> NextTimerAsync(Func<TimeSpan, bool> filter, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var due = await _timers.Reader.ReadAsync(cts.Token);
            if (due > TimeSpan.Zero && filter(due))
            {
                return due;
            }
        }
    }
}
