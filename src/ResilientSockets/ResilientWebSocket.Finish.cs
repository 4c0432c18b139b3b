using System;
using System.Threading.Tasks;
using ResilientSockets.Connection;
using ResilientSockets.Diagnostics;

namespace ResilientSockets;

public sealed partial class ResilientWebSocket
{
    /// <summary>
    /// The lifecycle's last step: the final state, and every party still waiting told why (queued sends, readers, the
    /// first-open waiter, acknowledgement and outbox waiters). The outbox keeps its records for the next client.
    /// </summary>
    private async Task FinishAsync(Exception? fault, ConnectionEnd? terminalEnd)
    {
        if (fault is null)
        {
            _state.TryTransition(ConnectionState.Closing, ConnectionState.Closed);
            _outbox?.Close(new MessageNotSentException(MessageDropReason.Stopped, "The client was stopped; the message stays in the outbox, and a client started on the same store sends it."));
            FailQueued(MessageDropReason.Stopped);
            _session?.Fail(new MessageNotSentException(MessageDropReason.Stopped, "The client was stopped before the server acknowledged the message."));
            _readers.CompleteAll(null);
            _firstOpen.TrySetException(new OperationCanceledException("The client was stopped before it connected."));
            Log.Stopped(_logger);
        }
        else
        {
            var reason = DescribeFault(fault);
            _queue.CompleteAdding(() => new MessageNotSentException(MessageDropReason.Faulted, reason, fault));
            var left = _state.TryTransition(
                static s => s == ConnectionState.Closing ? ConnectionState.Closed : ConnectionState.Faulted,
                fault,
                terminalEnd?.CloseStatus,
                terminalEnd?.CloseDescription);
            var faulted = left != ConnectionState.Closing;
            _outbox?.Close(new MessageNotSentException(faulted ? MessageDropReason.Faulted : MessageDropReason.Stopped, $"{reason} The message stays in the outbox, and a client started on the same store sends it.", fault));
            FailQueued(faulted ? MessageDropReason.Faulted : MessageDropReason.Stopped);
            _readers.CompleteAll(!faulted ? null
                : fault is ServerClosedException closed ? new ServerClosedException(closed.CloseStatus, closed.CloseStatusDescription, fault)
                : new ResilientWebSocketException(reason, fault));
            _firstOpen.TrySetException(fault);
            if (faulted)
            {
                Log.Faulted(_logger, fault.Message);
            }
        }

        if (_transfers is not null)
        {
            await _transfers.DisposeAsync().ConfigureAwait(false);
        }

        _metrics.Unregister(this);
        _dispatcher.Complete();
    }

    /// <summary>Words the fault for readers and pending sends: only a client that lost a working link "gave up reconnecting".</summary>
    private string DescribeFault(Exception fault) => fault switch
    {
        ServerClosedException => fault.Message,
        _ when !_hasBeenOpen => $"The client could not connect: {fault.Message}",
        WebSocketConnectException { IsTransient: false } => $"The client stopped: {fault.Message}",
        _ => $"The client gave up reconnecting: {fault.Message}",
    };
}
