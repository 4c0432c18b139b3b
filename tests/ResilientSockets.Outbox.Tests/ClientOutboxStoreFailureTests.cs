using System.Diagnostics;
using ResilientSockets.Outbox.Sqlite;

namespace ResilientSockets.Outbox.Tests;

/// <summary>Storage failures as the application meets them: a damaged file at open, a full disk under a durable send.</summary>
public sealed class ClientOutboxStoreFailureTests : IDisposable
{
    private static readonly TimeSpan Timeout = ClientFactory.Timeout;
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Opening_a_garbage_file_fails_with_a_clear_Corrupted_error_and_leaves_the_file_as_it_was()
    {
        var path = _directory.File("garbage.db");
        var garbage = new byte[16 * 1024];
        new Random(14).NextBytes(garbage);
        await File.WriteAllBytesAsync(path, garbage);

        var act = () => SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = path });

        var error = (await act.Should().ThrowAsync<OutboxStoreException>()).Which;
        error.Failure.Should().Be(OutboxStoreFailure.Corrupted);
        error.Path.Should().Be(path);
        error.Message.Should().Contain(path).And.Contain("corrupted").And.Contain("move it aside");
        (await File.ReadAllBytesAsync(path)).Should().Equal(garbage, "the store never rewrites a file it cannot read");
    }

    [Fact]
    public async Task A_full_disk_fails_the_durable_send_with_DiskFull_and_keeps_every_message_accepted_before()
    {
        // A 2 MiB tmpfs: the outbox file fills it after a few dozen 64 KiB messages.
        var mount = Path.Combine(_directory.Path, "small");
        Directory.CreateDirectory(mount);
        Run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount);
        try
        {
            var path = Path.Combine(mount, "outbox.db");
            await using var store = await SqliteOutboxStore.OpenAsync(new SqliteOutboxOptions { Path = path });
            await using var client = ClientFactory.Create(ClientRecordingServer.SessionUriFor(ClientRecordingServer.FreePort()), store);
            ClientFactory.StartOffline(client);
            var payload = new string('x', 64 * 1024);

            var accepted = 0;
            OutboxStoreException? error = null;
            while (error is null && accepted < 100)
            {
                try
                {
                    await client.SendTextAsync(payload).AsTask().WaitAsync(Timeout);
                    accepted++;
                }
                catch (OutboxStoreException e)
                {
                    error = e;
                }
            }

            error.Should().NotBeNull($"2 MiB cannot hold {accepted} messages of 64 KiB");
            error!.Failure.Should().Be(OutboxStoreFailure.DiskFull);
            error.Path.Should().Be(path);
            error.Message.Should().Contain("disk is full");
            accepted.Should().BeGreaterThan(0);
            (await store.LoadPendingAsync()).Should().HaveCount(accepted, "nothing accepted before the disk filled is lost");
            client.OutboxCount.Should().Be(accepted);
        }
        finally
        {
            Run("umount", mount);
        }
    }

    private static void Run(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit(10_000).Should().BeTrue($"{command} must finish");
        process.ExitCode.Should().Be(0, $"{command} {string.Join(' ', arguments)} must work (the disk-full test needs root for a tmpfs): {stderr}");
    }
}
