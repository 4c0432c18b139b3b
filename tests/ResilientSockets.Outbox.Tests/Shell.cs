using System.Diagnostics;

namespace ResilientSockets.Outbox.Tests;

/// <summary>Runs a system command (mount, flock) and returns its exit code and output.</summary>
internal static class Shell
{
    public static (int ExitCode, string Output) Run(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        if (!process.WaitForExit(30_000))
        {
            process.Kill();
            throw new TimeoutException($"{fileName} {string.Join(" ", arguments)} did not finish in 30 s.");
        }

        return (process.ExitCode, output.Trim());
    }
}
