using FluentAssertions;
using ResilientSockets.Reconnect;
using Xunit;

namespace ResilientSockets.Tests.Reconnect;

public sealed class BackoffTests
{
    [Theory]
    [InlineData(1, 1000)]
    [InlineData(2, 2000)]
    [InlineData(3, 4000)]
    [InlineData(6, 30000)]
    [InlineData(1000, 30000)]
    public void The_upper_bound_doubles_per_failure_and_is_capped(int failures, int expectedMs)
        => Backoff.UpperBound(failures, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)).Should().Be(TimeSpan.FromMilliseconds(expectedMs));

    [Theory]
    [InlineData(0.0, 500)]
    [InlineData(0.5, 750)]
    [InlineData(0.999999, 999)]
    public void Jitter_spreads_the_delay_over_the_upper_half(double random, int expectedMs)
        => Backoff.AfterFailure(1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), random).TotalMilliseconds.Should().BeApproximately(expectedMs, 1);

    [Fact]
    public void Retry_After_is_a_floor_not_a_cap()
    {
        Backoff.WithRetryAfter(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(7)).Should().Be(TimeSpan.FromSeconds(7));
        Backoff.WithRetryAfter(TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(7)).Should().Be(TimeSpan.FromSeconds(9));
        Backoff.WithRetryAfter(TimeSpan.FromSeconds(2), null).Should().Be(TimeSpan.FromSeconds(2));
    }

    [Theory]
    [InlineData("7", 7)]
    [InlineData(" 120 ", 120)]
    [InlineData("Thu, 01 Jan 2026 00:00:30 GMT", 30)]
    [InlineData("Wed, 31 Dec 2025 23:00:00 GMT", 0)]
    [InlineData("99999999999", 86400)]
    public void Retry_After_parses_seconds_and_dates(string header, int expectedSeconds)
        => RetryAfter.Parse(header, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)).Should().Be(TimeSpan.FromSeconds(expectedSeconds));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-5")]
    public void Retry_After_ignores_what_it_cannot_read(string? header)
        => RetryAfter.Parse(header, DateTimeOffset.UnixEpoch).Should().BeNull();
}
