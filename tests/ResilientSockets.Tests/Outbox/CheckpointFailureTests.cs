using FluentAssertions;
using ResilientSockets.Outbox;
using ResilientSockets.Tests.Infrastructure;
using ResilientSockets.Tests.Sessions;
using Xunit;

namespace ResilientSockets.Tests.Outbox;

/// <summary>
/// A store that cannot save the session checkpoint: sending on could duplicate or lose messages after a restart, so the
/// client faults with the store's error (once, not a reconnect loop) and keeps every message in the store.
/// </summary>
[Collection(ProcessWideCollection.Name)]
public sealed class CheckpointFailureTests
{
    [Theory]
    [InlineData(0)] // the new session's id cannot be saved (during the handshake)
    [InlineData(1)] // the first run of durable messages cannot be saved (in the send loop)
    public async Task The_client_faults_with_the_store_error_and_keeps_the_messages(int savesBeforeFailing)
    {
        await using var host = await AspNetSessionHost.StartAsync();
        await using var store = new FailingCheckpointStore(savesBeforeFailing);
        await using var client = Sut.Create(host.Uri, o =>
        {
            o.Session = new ReliableSessionOptions();
            o.Outbox = new OutboxOptions { Store = store };
            o.Reconnect.Delay = TimeSpan.FromMilliseconds(5);
        });
        var faulted = new TaskCompletionSource<ConnectionStateChangedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.StateChanged += (_, e) =>
        {
            if (e.State == ConnectionState.Faulted)
            {
                faulted.TrySetResult(e);
            }
        };

        await client.SendTextAsync("kept");
        _ = client.StartAsync();

        var change = await faulted.Task.WaitAsync(TestTimeouts.Signal);
        Exception? cause = change.Cause;
        var chain = new List<Exception>();
        for (; cause is not null; cause = cause.InnerException)
        {
            chain.Add(cause);
        }

        chain.OfType<OutboxStoreException>().Should().ContainSingle().Which.Message.Should().Contain("checkpoint");
        store.Count.Should().Be(1, "the message stays stored for the next start");
        store.Saves.Should().Be(savesBeforeFailing + 1, "one failed save, then no retry loop");
    }

    private sealed class FailingCheckpointStore(int savesBeforeFailing) : ForwardingOutboxStore
    {
        private int _saves;

        public int Saves => Volatile.Read(ref _saves);

        public override Task SaveCheckpointAsync(ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken = default)
            => Interlocked.Increment(ref _saves) > savesBeforeFailing
                ? Task.FromException(new OutboxStoreException(OutboxStoreFailure.DiskFull, "The disk is full (test): the checkpoint could not be saved."))
                : base.SaveCheckpointAsync(checkpoint, cancellationToken);
    }
}
