using FluentAssertions;
using ResilientSockets.Testing;
using ResilientSockets.Tests.Infrastructure;
using Xunit;

namespace ResilientSockets.Tests.Sessions;

/// <summary>Subscriptions over a session: a resumed session keeps them at the server, so nothing is sent again.</summary>
public sealed class SessionSubscriptionTests
{
    [Fact]
    public async Task A_resumed_session_does_not_send_its_subscriptions_again()
    {
        await using var host = await AspNetSessionHost.StartAsync();
        await using var proxy = TcpFaultProxy.Start(host.Port);
        await using var client = Sut.Create(proxy.Wrap(host.Uri), o =>
        {
            o.Session = new ReliableSessionOptions();
            o.Subscriptions = new SubscriptionOptions { Protocol = new TopicJsonProtocol() };
        });
        var states = new StateRecorder(client);
        await client.StartAsync();
        using var prices = client.Subscribe("prices");
        await client.FlushAsync().WaitAsync(TestTimeouts.Signal);
        var session = await host.SingleSessionAsync();
        session.MessagesReceived.Should().Be(1, "one wire subscribe");

        proxy.CutAll();
        await states.WaitForAsync(ConnectionState.Open, 2);
        await client.SendTextAsync("after the cut", new SendOptions { WaitForAcknowledgement = true }).AsTask().WaitAsync(TestTimeouts.Signal);

        session.MessagesReceived.Should().Be(2, "the resumed session kept the subscription: no second subscribe");
        host.Sessions.Should().HaveCount(1);
    }
}
