using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Reconnect;

/// <summary>NonRetryableStatusCodes is replaced in an object initializer, validated at construction, and copied.</summary>
public sealed class NonRetryableStatusCodesTests
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromHours(1);

    private static ResilientWebSocketOptions Options(Uri uri, ObservableTimeProvider time, ISet<int> nonRetryable) => new()
    {
        Uri = uri,
        TimeProvider = time,
        Reconnect =
        {
            Delay = TimeSpan.FromSeconds(1),
            MaxDelay = TimeSpan.FromSeconds(8),
            ConnectTimeout = ConnectTimeout,
            NonRetryableStatusCodes = nonRetryable,
        },
    };

    [Fact]
    public async Task A_set_given_in_an_object_initializer_replaces_the_default()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.RejectNextHandshakes(1, 400);
        var time = new ObservableTimeProvider();
        await using var client = new ResilientWebSocket(Options(server.GetUri(), time, new HashSet<int> { 401, 403, 404 }));

        var start = client.StartAsync();
        time.Advance(await time.NextTimerAsync(due => due < ConnectTimeout));

        await start.WaitAsync(TestTimeouts.Signal);
        server.HandshakeCount.Should().Be(2, "400 is no longer in the set, so it was retried");
    }

    [Fact]
    public async Task The_set_is_copied_at_construction_so_later_edits_have_no_effect()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.RejectNextHandshakes(1, 503);
        var codes = new HashSet<int> { 404 };
        var time = new ObservableTimeProvider();
        await using var client = new ResilientWebSocket(Options(server.GetUri(), time, codes));
        codes.Add(503);

        var start = client.StartAsync();
        time.Advance(await time.NextTimerAsync(due => due < ConnectTimeout));

        await start.WaitAsync(TestTimeouts.Signal);
        server.HandshakeCount.Should().Be(2);
    }

    [Theory]
    [InlineData(101)]
    [InlineData(99)]
    [InlineData(600)]
    public void A_code_that_is_not_an_http_error_status_is_refused_at_construction(int code)
    {
        var options = Options(new Uri("ws://localhost/feed"), new ObservableTimeProvider(), new HashSet<int> { 404, code });

        var create = () => new ResilientWebSocket(options);

        create.Should().Throw<ArgumentException>().WithMessage($"*Reconnect.NonRetryableStatusCodes*had {code}*");
    }

    [Fact]
    public async Task An_empty_set_is_valid_and_means_even_a_403_is_retried()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        server.RejectNextHandshakes(2, 403);
        var time = new ObservableTimeProvider();
        await using var client = new ResilientWebSocket(Options(server.GetUri(), time, new HashSet<int>()));

        var start = client.StartAsync();
        time.Advance(await time.NextTimerAsync(due => due < ConnectTimeout));
        time.Advance(await time.NextTimerAsync(due => due < ConnectTimeout));

        await start.WaitAsync(TestTimeouts.Signal);
        server.HandshakeCount.Should().Be(3);
    }
}
