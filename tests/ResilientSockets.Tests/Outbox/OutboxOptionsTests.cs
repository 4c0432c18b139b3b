using FluentAssertions;
using ResilientSockets.Outbox;
using Xunit;

namespace ResilientSockets.Tests.Outbox;

/// <summary>The outbox's settings: documented defaults, and every bad value named in one exception.</summary>
public sealed class OutboxOptionsTests
{
    [Fact]
    public void The_defaults_are_the_documented_ones()
    {
        var options = new OutboxOptions();
        options.Store.Should().BeNull();
        options.MaxMessages.Should().Be(100_000);
        options.MaxBytes.Should().Be(64L * 1024 * 1024);
        options.OverflowPolicy.Should().Be(OverflowPolicy.Reject);
        options.DefaultTimeToLive.Should().BeNull();
    }

    [Fact]
    public void Every_bad_outbox_setting_is_listed_with_its_fix()
    {
        var options = new ResilientWebSocketOptions
        {
            Uri = new Uri("ws://127.0.0.1:1/"),
            Outbox = new OutboxOptions { MaxMessages = 0, MaxBytes = 0, OverflowPolicy = (OverflowPolicy)42, DefaultTimeToLive = TimeSpan.Zero },
        };

        var error = FluentActions.Invoking(() => new ResilientWebSocket(options)).Should().Throw<ArgumentException>().Which;
        error.Message.Should().Contain("Outbox.Store is required").And.Contain("InMemoryOutboxStore").And.Contain("SqliteOutboxStore.OpenAsync")
            .And.Contain("Outbox.MaxMessages").And.Contain("Outbox.MaxBytes").And.Contain("Outbox.OverflowPolicy").And.Contain("Outbox.DefaultTimeToLive");
    }

    [Fact]
    public async Task A_full_outbox_under_Reject_refuses_the_send_and_names_the_limits()
    {
        await using var store = new InMemoryOutboxStore();
        await using var client = new ResilientWebSocket(new ResilientWebSocketOptions
        {
            Uri = new Uri("ws://127.0.0.1:1/"),
            Outbox = new OutboxOptions { Store = store, MaxMessages = 2 },
        });

        await client.SendTextAsync("1");
        await client.SendTextAsync("2");
        var act = async () => await client.SendTextAsync("3");
        (await act.Should().ThrowAsync<MessageNotSentException>()).Which.Reason.Should().Be(MessageDropReason.QueueFull);
        (await act.Should().ThrowAsync<MessageNotSentException>()).WithMessage("*Outbox.MaxMessages 2*");
        store.Count.Should().Be(2, "a refused message was never stored");
        client.OutboxCount.Should().Be(2);
    }

    [Fact]
    public async Task A_transient_send_skips_the_store()
    {
        await using var store = new InMemoryOutboxStore();
        await using var client = new ResilientWebSocket(new ResilientWebSocketOptions
        {
            Uri = new Uri("ws://127.0.0.1:1/"),
            Outbox = new OutboxOptions { Store = store },
        });

        _ = client.SendTextAsync("presence", new SendOptions { Transient = true }); // queued in memory, pending until written
        await client.SendTextAsync("order");
        store.Count.Should().Be(1);
        client.OutboxCount.Should().Be(1);
        client.QueuedMessageCount.Should().Be(1);
    }
}
