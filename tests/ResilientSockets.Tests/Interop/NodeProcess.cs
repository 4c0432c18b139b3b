using System.Diagnostics;
using System.Globalization;

namespace ResilientSockets.Tests.Interop;

/// <summary>
/// Starting and stopping the Node scripts under tests/interop, shared by every peer fixture: each script takes a port
/// (0 for any), prints <c>LISTENING &lt;port&gt;</c> when ready and exits when its standard input closes. A missing node
/// or npm install is a test failure with instructions, never a skip.
/// </summary>
internal static class NodeProcess
{
    /// <summary>The folder of an npm project under tests/interop (<c>node</c>, <c>protocols</c>).</summary>
    public static string Folder(string name) => Path.Combine(NodePeer.RepositoryRoot(), "tests", "interop", name);

    /// <summary>Starts <paramref name="arguments"/> with node in <paramref name="folder"/> and waits for its LISTENING line.</summary>
    /// <param name="folder">The npm project's folder.</param>
    /// <param name="requiredModules">Modules that must be installed there (checked first, for a clear message).</param>
    /// <param name="arguments">The script and its arguments.</param>
    /// <returns>The running process and the port it listens on.</returns>
    public static async Task<(Process Process, int Port)> StartAsync(string folder, string[] requiredModules, params string[] arguments)
    {
        foreach (var module in requiredModules)
        {
            if (!Directory.Exists(Path.Combine(folder, "node_modules", module)))
            {
                throw new InvalidOperationException($"The Node interop peers are not installed ({module} missing): run `bash tests/interop/provision.sh` (or `npm ci` in {folder}). `dotnet test` does this before the tests run.");
            }
        }

        var start = new ProcessStartInfo("node", arguments)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("Node.js is required for the interop tests but `node` was not found on PATH.", ex);
        }

        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            if (line is null || !line.StartsWith("LISTENING ", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{arguments[0]} did not start: {line} {await process.StandardError.ReadToEndAsync()}");
            }

            return (process, int.Parse(line["LISTENING ".Length..], CultureInfo.InvariantCulture));
        }
        catch
        {
            // A script that never said LISTENING (timeout, bad output) must not outlive the failed start.
            KillQuietly(process);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Closes the script's standard input (it exits), kills it if it does not within 5 s, and disposes it.</summary>
    public static async Task StopAsync(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.StandardInput.Close();
                if (!process.WaitForExit(5000))
                {
                    KillQuietly(process);
                }

                await process.WaitForExitAsync();
            }
        }
        finally
        {
            process.Dispose();
        }
    }

    public static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }
}
