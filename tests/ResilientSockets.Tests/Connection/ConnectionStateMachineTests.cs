using FluentAssertions;
using ResilientSockets.Connection;
using Xunit;

namespace ResilientSockets.Tests.Connection;

public sealed class ConnectionStateMachineTests
{
    [Fact]
    public void Only_the_designed_transitions_are_allowed()
    {
        var allowed = Enum.GetValues<ConnectionState>()
            .SelectMany(from => Enum.GetValues<ConnectionState>().Select(to => (from, to)))
            .Where(t => ConnectionStateMachine.IsAllowed(t.from, t.to))
            .Select(t => $"{t.from}->{t.to}");

        allowed.Should().BeEquivalentTo(
            "Idle->Connecting", "Idle->Closed",
            "Connecting->Open", "Connecting->Reconnecting", "Connecting->Closing", "Connecting->Faulted",
            "Open->Reconnecting", "Open->Closing", "Open->Faulted",
            "Reconnecting->Connecting", "Reconnecting->Closing", "Reconnecting->Faulted",
            "Closing->Closed",
            "Connecting->Paused", "Open->Paused", "Reconnecting->Paused",
            "Paused->Reconnecting", "Paused->Closing", "Paused->Faulted");
    }

    [Fact]
    public void An_illegal_transition_is_a_bug_report_naming_both_states()
    {
        var sut = new ConnectionStateMachine(_ => { });

        var act = () => sut.TryTransition(ConnectionState.Idle, ConnectionState.Open);

        act.Should().Throw<InvalidOperationException>().WithMessage("*Idle -> Open*bug*");
    }

    [Fact]
    public void A_transition_from_a_state_that_is_not_current_does_nothing()
    {
        var announced = new List<ConnectionStateChangedEventArgs>();
        var sut = new ConnectionStateMachine(announced.Add);

        sut.TryTransition(ConnectionState.Open, ConnectionState.Closing).Should().BeFalse();

        sut.State.Should().Be(ConnectionState.Idle);
        announced.Should().BeEmpty();
    }

    [Fact]
    public void Each_transition_is_announced_once_with_old_new_and_cause()
    {
        var announced = new List<ConnectionStateChangedEventArgs>();
        var sut = new ConnectionStateMachine(announced.Add);
        var cause = new InvalidOperationException("x");

        sut.TryTransition(ConnectionState.Idle, ConnectionState.Connecting);
        sut.TryTransition(ConnectionState.Connecting, ConnectionState.Faulted, cause);

        announced.Should().HaveCount(2);
        announced[1].PreviousState.Should().Be(ConnectionState.Connecting);
        announced[1].State.Should().Be(ConnectionState.Faulted);
        announced[1].Cause.Should().BeSameAs(cause);
    }
}
