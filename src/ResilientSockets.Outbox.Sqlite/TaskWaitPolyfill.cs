#if NETSTANDARD2_0
using System;
using System.Threading;
using System.Threading.Tasks;

namespace ResilientSockets.Outbox.Sqlite;

/// <summary><c>Task&lt;T&gt;.WaitAsync(CancellationToken)</c> for netstandard2.0 (built in from .NET 6).</summary>
internal static class TaskWaitPolyfill
{
    public static Task<T> WaitAsync<T>(this Task<T> task, CancellationToken cancellationToken) =>
        !cancellationToken.CanBeCanceled || task.IsCompleted ? task : WaitCoreAsync(task, cancellationToken);

    private static async Task<T> WaitCoreAsync<T>(Task<T> task, CancellationToken cancellationToken)
    {
        var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (cancellationToken.Register(state => ((TaskCompletionSource<bool>)state!).TrySetResult(true), cancelled))
        {
            if (await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false) != task)
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }

        return await task.ConfigureAwait(false);
    }
}
#endif
