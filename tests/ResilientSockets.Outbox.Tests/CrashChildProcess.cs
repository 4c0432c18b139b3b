using System.Diagnostics;
using System.Globalization;

namespace ResilientSockets.Outbox.Tests;

/// <summary>
/// One run of the ResilientSockets.Outbox.CrashClient child: started with its arguments, its stdout read line by line
/// ("R n" after each durable send returned, then ACCEPTED or DONE), killed with SIGKILL on demand.
/// </summary>
internal sealed class CrashChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task _stdout;
    private readonly Task<string> _stderr;
    private readonly List<int> _returned = [];
    private readonly TaskCompletionSource _firstReturned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(int Number, TaskCompletionSource Signal)> _waiters = [];

    private CrashChildProcess(Process process, string runId)
    {
        _process = process;
        RunId = runId;
        _stdout = Task.Run(ReadStdoutAsync);
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public string RunId { get; }

    /// <summary>The exit code once the process has exited (137 after a SIGKILL).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>The numbers whose durable send returned, as printed, in order.</summary>
    public IReadOnlyList<int> Returned
    {
        get
        {
            lock (_returned)
            {
                return [.. _returned];
            }
        }
    }

    public static CrashChildProcess Start(Uri server, string dbPath, string runId, int first, int last, params string[] options)
    {
        var child = Path.Combine(AppContext.BaseDirectory, "ResilientSockets.Outbox.CrashClient.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(child);
        start.ArgumentList.Add(server.ToString());
        start.ArgumentList.Add(dbPath);
        start.ArgumentList.Add(runId);
        start.ArgumentList.Add(first.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(last.ToString(CultureInfo.InvariantCulture));
        foreach (var option in options)
        {
            start.ArgumentList.Add(option);
        }

        return new CrashChildProcess(Process.Start(start) ?? throw new InvalidOperationException("The crash client did not start."), runId);
    }

    /// <summary>Waits for the first "R" line of this run.</summary>
    public Task WaitForFirstReturnAsync(TimeSpan timeout) => Describe(_firstReturned.Task.WaitAsync(timeout), "its first returned send");

    /// <summary>Waits until the durable send of <paramref name="number"/> returned (its "R" line).</summary>
    public Task WaitForReturnAsync(int number, TimeSpan timeout)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_returned)
        {
            if (_returned.Count > 0 && _returned[^1] >= number)
            {
                return Task.CompletedTask;
            }

            _waiters.Add((number, signal));
        }

        return Describe(Task.WhenAny(signal.Task, _finished.Task).Unwrap().WaitAsync(timeout), $"the return of {number}");
    }

    /// <summary>Waits for the line that ends the run's sends: DONE (delivered) or ACCEPTED (all stored, then exit or hang).</summary>
    public Task<string> WaitForFinishAsync(TimeSpan timeout) => Describe(_finished.Task.WaitAsync(timeout), "DONE or ACCEPTED");

    /// <summary>Waits for the process to exit by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await Describe(_process.WaitForExitAsync().WaitAsync(timeout), "its exit");
        await _stdout.WaitAsync(timeout);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL (Process.Kill on Linux) to the child and anything it started; returns once it is gone and its stdout is read to the end.</summary>
    public async Task KillAsync(TimeSpan timeout)
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().WaitAsync(timeout);
        await _stdout.WaitAsync(timeout);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task ReadStdoutAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("R ", StringComparison.Ordinal))
            {
                var number = int.Parse(line.AsSpan(2), CultureInfo.InvariantCulture);
                lock (_returned)
                {
                    _returned.Add(number);
                    _waiters.RemoveAll(w => w.Number <= number && w.Signal.TrySetResult());
                }

                _firstReturned.TrySetResult();
            }
            else if (line is "DONE" or "ACCEPTED")
            {
                _finished.TrySetResult(line);
            }
        }

        _finished.TrySetException(new InvalidOperationException("The crash client's stdout ended without DONE or ACCEPTED."));
        _firstReturned.TrySetException(new InvalidOperationException("The crash client's stdout ended before any send returned."));
    }

    private async Task<T> Describe<T>(Task<T> task, string what)
    {
        try
        {
            return await task;
        }
        catch (Exception exception) when (exception is TimeoutException or InvalidOperationException)
        {
            throw new InvalidOperationException($"Crash client run {RunId}: waiting for {what} failed ({exception.Message}). Exited: {_process.HasExited}. Stderr: {await StderrSoFarAsync()}", exception);
        }
    }

    private async Task Describe(Task task, string what) => await Describe(task.ContinueWith(t => { t.GetAwaiter().GetResult(); return true; }, TaskScheduler.Default), what);

    private async Task<string> StderrSoFarAsync()
    {
        if (!_process.HasExited)
        {
            return "(still running)";
        }

        var stderr = await _stderr.WaitAsync(TimeSpan.FromSeconds(5));
        return stderr.Length > 2000 ? stderr[..2000] : stderr;
    }
}
