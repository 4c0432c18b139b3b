using ResilientSockets.Testing;

namespace ResilientSockets.Tests.Heartbeat;

internal static class HeartbeatRoutes
{
    /// <summary>Answers the default JSON ping with the default JSON pong, echoes everything else.</summary>
    public static ServerRoute JsonPong() => new()
    {
        OnMessage = (c, m) => m.Text == "{\"type\":\"ping\"}" ? c.SendTextAsync("{\"type\":\"pong\"}") : c.SendAsync(m.Data, m.MessageType),
    };

    /// <summary>Answers a ping with an ordinary message, never a pong.</summary>
    public static ServerRoute ChattyWithoutPong() => new()
    {
        OnMessage = (c, m) => m.Text == "{\"type\":\"ping\"}" ? c.SendTextAsync("hello") : Task.CompletedTask,
    };

    /// <summary>A server with its own plain-text protocol: "ping" → "pong".</summary>
    public static ServerRoute PlainText() => new()
    {
        OnMessage = (c, m) => m.Text == "ping" ? c.SendTextAsync("pong") : c.SendAsync(m.Data, m.MessageType),
    };

    public static void MapAll(LoopbackWebSocketServer server)
    {
        server.Map("/json-pong", JsonPong());
        server.Map("/chatty", ChattyWithoutPong());
        server.Map("/plain", PlainText());
    }
}
