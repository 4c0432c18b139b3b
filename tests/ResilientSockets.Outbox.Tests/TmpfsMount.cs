using System.Diagnostics;

namespace ResilientSockets.Outbox.Tests;

/// <summary>
/// A small real file system (tmpfs) mounted for one test, so "disk full" and "read-only" are the kernel's answers, not
/// simulations. Tests run as root on the CI machine kind, which may mount.
/// </summary>
internal sealed class TmpfsMount : IDisposable
{
    private TmpfsMount(string path) => Path = path;

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public static TmpfsMount Create(string size)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "rs-tmpfs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        try
        {
            Run("mount", $"-t tmpfs -o size={size} tmpfs {path}");
        }
        catch
        {
            Directory.Delete(path);
            throw;
        }

        return new TmpfsMount(path);
    }

    /// <summary>Mounts a tmpfs, or returns <see langword="null"/> and why not (mounting needs root and may be refused).</summary>
    public static TmpfsMount? TryCreate(string size, out string why)
    {
        try
        {
            why = $"a tmpfs of {size}";
            return Create(size);
        }
        catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            why = exception.Message;
            return null;
        }
    }

    /// <summary>Makes the file system read-only (possible only while no file on it is open for writing).</summary>
    public void RemountReadOnly() => Run("mount", $"-o remount,ro {Path}");

    public void Dispose()
    {
        Run("umount", "-l " + Path, throwOnError: false);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void Run(string file, string arguments, bool throwOnError = true)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 && throwOnError)
        {
            throw new InvalidOperationException($"'{file} {arguments}' failed ({process.ExitCode}): {error}. These tests need to mount a tmpfs (root, as on the CI machine).");
        }
    }
}
