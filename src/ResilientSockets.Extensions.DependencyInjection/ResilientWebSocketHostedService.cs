using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace ResilientSockets;

/// <summary>Starts a named client with the host and stops it when the host stops.</summary>
internal sealed class ResilientWebSocketHostedService(IResilientWebSocketFactory factory, string name) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => factory.Get(name).StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => factory.Get(name).StopAsync(cancellationToken);
}
