using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ResilientSockets;

/// <summary>
/// Starts a named client with the host and stops it when the host stops. By default the start runs in the
/// background: a server that is down must not keep the host (and everything else it hosts) from starting, nor turn
/// Ctrl+C during startup into an unhandled exception.
/// </summary>
internal sealed partial class ResilientWebSocketHostedService(
    IResilientWebSocketFactory factory,
    string name,
    HostedClientOptions options,
    ILogger logger) : IHostedService
{
    private Task _firstConnection = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var client = factory.Get(name);
        if (!options.WaitForFirstConnection)
        {
            // The client's own token, not the host's: the host's start token ends when startup ends.
            _firstConnection = ObserveFirstConnectionAsync(client.StartAsync(CancellationToken.None));
            return;
        }

        try
        {
            await client.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || client.State is ConnectionState.Closing or ConnectionState.Closed)
        {
            // The host is stopping (Ctrl+C during startup): the cancelled start already stopped the client.
            Log.StartCancelled(logger, name);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await factory.Get(name).StopAsync(cancellationToken).ConfigureAwait(false);
        await _firstConnection.ConfigureAwait(false);
    }

    private async Task ObserveFirstConnectionAsync(Task firstOpen)
    {
        try
        {
            await firstOpen.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped before the first connection opened: the host is shutting down, nothing to report.
            Log.StartCancelled(logger, name);
        }
        catch (Exception ex)
        {
            // Faulted (attempts exhausted, a handshake no retry can fix, a failing hook): a fire-and-forget task, so
            // the exception is observed here and reported, never left to the unobserved-task handler.
            Log.GaveUp(logger, name, ex.Message, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(101, LogLevel.Error, "ResilientWebSocket '{ClientName}' gave up before its first connection opened; the host keeps running without it: {Reason}", EventName = "HostedClientGaveUp")]
        public static partial void GaveUp(ILogger logger, string clientName, string reason, Exception exception);

        [LoggerMessage(102, LogLevel.Debug, "ResilientWebSocket '{ClientName}' was stopped before its first connection opened", EventName = "HostedClientStartCancelled")]
        public static partial void StartCancelled(ILogger logger, string clientName);
    }
}
