using System.Net;
using System.Net.NetworkInformation;

namespace ResilientSockets.Tests.Infrastructure;

internal static class ProcessResources
{
    /// <summary>Open file descriptors of this process (sockets included); Linux.</summary>
    public static int OpenHandles() => Directory.GetFiles("/proc/self/fd").Length;

    /// <summary>
    /// The lowest handle count seen over a short window: sockets of links cut a moment ago are still being torn down
    /// (by Kestrel, the proxy, the runtime), and what matters is what stays.
    /// </summary>
    public static async Task<int> SettledOpenHandlesAsync()
    {
        var lowest = int.MaxValue;
        for (var i = 0; i < 20; i++)
        {
            lowest = Math.Min(lowest, OpenHandles());
            await Task.Delay(50);
        }

        return lowest;
    }

    /// <summary>Established client-side TCP connections to a local port.</summary>
    public static int EstablishedConnectionsTo(int port)
        => IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpConnections()
            .Count(c => c.RemoteEndPoint.Port == port && IPAddress.IsLoopback(c.RemoteEndPoint.Address) && c.State == TcpState.Established);

    public static long SettledManagedHeap()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
