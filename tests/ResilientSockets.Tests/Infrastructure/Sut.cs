using Microsoft.Extensions.Logging;

namespace ResilientSockets.Tests.Infrastructure;

internal static class Sut
{
    /// <summary>A client with quick real-time backoff, for wire tests against a loopback server.</summary>
    public static ResilientWebSocket Create(Uri uri, Action<ResilientWebSocketOptions>? configure = null, ILogger? logger = null)
    {
        var options = new ResilientWebSocketOptions
        {
            Uri = uri,
            Reconnect =
            {
                Delay = TimeSpan.FromMilliseconds(20),
                MaxDelay = TimeSpan.FromMilliseconds(200),
                MinUptime = TimeSpan.FromMilliseconds(0),
                ConnectTimeout = TimeSpan.FromSeconds(10),
            },
            CloseTimeout = TimeSpan.FromSeconds(3),
        };
        configure?.Invoke(options);
        if (options.Reconnect.MaxDelay < options.Reconnect.Delay)
        {
            options.Reconnect.MaxDelay = options.Reconnect.Delay;
        }

        return new ResilientWebSocket(options, logger);
    }
}
