using System;
using System.Threading;
using System.Threading.Tasks;

namespace ResilientSockets.Internal;

// One place that bridges the net10.0 TimeProvider-aware BCL APIs and the Microsoft.Bcl.TimeProvider
// extensions on netstandard2.0, so no caller is tempted to use the wall clock.
internal static class TimeProviderExtensions
{
    public static Task DelayAsync(this TimeProvider time, TimeSpan delay, CancellationToken cancellationToken)
    {
        if (delay <= TimeSpan.Zero)
        {
            return cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;
        }
#if NET
        return Task.Delay(delay, time, cancellationToken);
#else
        return time.Delay(delay, cancellationToken);
#endif
    }

    public static CancellationTokenSource CreateTimeoutSource(this TimeProvider time, TimeSpan timeout)
    {
#if NET
        return new CancellationTokenSource(timeout, time);
#else
        return time.CreateCancellationTokenSource(timeout);
#endif
    }

    public static TimeSpan ElapsedSince(this TimeProvider time, long startTimestamp)
        => time.GetElapsedTime(startTimestamp);

    /// <summary>Waits for <paramref name="task"/> up to <paramref name="timeout"/>; <see langword="false"/> if it did not finish in time. Never throws the task's exception.</summary>
    public static async Task<bool> TryWaitAsync(this TimeProvider time, Task task, TimeSpan timeout)
    {
        if (task.IsCompleted)
        {
            return true;
        }

        using var cts = new CancellationTokenSource();
        var delay = time.DelayAsync(timeout, cts.Token);
        var first = await Task.WhenAny(task, delay).ConfigureAwait(false);
        cts.Cancel();
        return first == task;
    }
}
