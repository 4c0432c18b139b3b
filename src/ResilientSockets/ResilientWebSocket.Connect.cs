using System;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Polly;
using Polly.Retry;
using ResilientSockets.Diagnostics;
using ResilientSockets.Internal;
using ResilientSockets.Platform;
using ResilientSockets.Receiving;
using ResilientSockets.Reconnect;
using ResilientSockets.Sessions;
using ResilientSockets.Transport;

namespace ResilientSockets;

// One connection attempt (handshake, session, hooks) and the Polly pipeline that retries it.
public sealed partial class ResilientWebSocket
{
    private async ValueTask<ConnectionScope> ConnectAttemptAsync(bool isReconnect, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_control.TryEnterAttempt(cancellationToken))
        {
            throw new OperationCanceledException("No attempt was made: the client is paused or offline, or was asked to reconnect now.", cancellationToken);
        }

        var attempt = _failures + 1;
        var started = _time.GetTimestamp();
        var socket = new ClientWebSocket();
        _metrics.ConnectionAttempts.Add(1, _nameTag);
        using var activity = SocketMetrics.ActivitySource.StartActivity("ResilientSockets.Connect", System.Diagnostics.ActivityKind.Client);
        activity?.SetTag(ResilientSocketsDiagnostics.ClientNameTag, _options.Name);
        activity?.SetTag("resilientsockets.attempt", attempt);
        activity?.SetTag("resilientsockets.reconnect", isReconnect);
        MessageReader? reader = null;
        Uri? uri = _options.Uri;
        try
        {
            // In the browser these options throw; what the user set there was rejected or warned about at construction/start.
            BrowserPlatform.ApplySocketOptions(socket.Options, _options.Heartbeat, _options.IsBrowser);
            if (!_options.IsBrowser)
            {
                TransportSetup.Apply(socket.Options, _options.Transport);
            }

            if (_session is not null)
            {
                socket.Options.AddSubProtocol(SessionFrameCodec.SubProtocol);
                uri = uri is null ? null : WithSessionQuery(uri);
            }

            if (_options.OnConnecting is { } onConnecting)
            {
                var context = new ConnectingContext(uri, socket.Options, attempt, isReconnect);
                try
                {
                    await onConnecting(context, cancellationToken).ConfigureAwait(false);
                }
                catch (PlatformNotSupportedException ex)
                {
                    // The same call fails on every attempt (typically SetRequestHeader in the browser): retrying is pointless.
                    throw new WebSocketConnectException(BrowserPlatform.DescribeUnsupportedHookCall(ex), ex, isTransient: false);
                }
                uri = context.Uri;
            }

            if (TransportSetup.CheckInvokerConflicts(socket.Options, _options.Transport) is { } conflict)
            {
                throw new WebSocketConnectException(conflict, new ArgumentException(conflict, nameof(ResilientWebSocketOptions.OnConnecting)), isTransient: false);
            }

            if (uri is null)
            {
                throw new WebSocketConnectException("No address to connect to: OnConnecting left ConnectingContext.Uri null.", null, isTransient: false);
            }

            if (UriRules.Check(uri) is { } problem)
            {
                throw new WebSocketConnectException(problem, new ArgumentException(problem, nameof(ResilientWebSocketOptions.Uri)), isTransient: false);
            }

            if (UriRules.CheckNotSocketIo(uri) is { } socketIo)
            {
                throw new WebSocketConnectException(socketIo, null, isTransient: false);
            }

            activity?.SetTag("server.address", uri.Host);
            activity?.SetTag("server.port", uri.Port);
            activity?.SetTag("url.path", uri.AbsolutePath);
            Log.Connecting(_logger, attempt, UriRedactor.Redact(uri));
            try
            {
                await TransportSetup.ConnectAsync(socket, uri, _options.Transport, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw HandshakeClassifier.Classify(ex, socket, uri, _options.Reconnect.NonRetryableStatusCodes, _time.GetUtcNow());
            }

            // In a session, everything from here on (the hook, the loops) talks through the session layer.
            WebSocket link = _session is null ? socket : await OpenSessionAsync(socket, cancellationToken).ConfigureAwait(false);
            reader = new MessageReader(link, _options.Receiving.MaxMessageSize, _options.Receiving.ReceiveBufferSize, readThroughOversizedFrames: _transfers is not null);
            if (_options.OnConnected is { } onConnected)
            {
                var context = new ConnectedContext(link, reader, isReconnect, attempt) { MaxSize = _options.Receiving.MaxMessageSize };
                try
                {
                    await onConnected(context, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    if (ex is Outbox.OutboxStoreException)
                    {
                        throw; // a store that cannot save the session checkpoint: not retried (see the README, Durable outbox)
                    }

                    throw new WebSocketConnectException($"The OnConnected hook failed ({ex.GetType().Name}: {ex.Message}); the attempt counts as failed and is retried per policy.", ex, isTransient: true);
                }
                finally
                {
                    context.Finish();
                }
            }

            // A resumed session still has its subscriptions at the server (they are part of the conversation it kept).
            if (_subscriptions is { } subscriptions && link is not SessionWebSocket { Resumed: true })
            {
                // After the user's hook, before the queue flushes: the protocol handshake, then every live subscription.
                await subscriptions.OnConnectedAsync(new ConnectedContext(link, reader, isReconnect, attempt) { MaxSize = _options.Receiving.MaxMessageSize }, cancellationToken).ConfigureAwait(false);
            }

            var elapsed = _time.GetElapsedTime(started);
            Log.Connected(_logger, UriRedactor.Redact(uri), (long)elapsed.TotalMilliseconds, attempt);
            _metrics.ConnectDuration.Record(elapsed.TotalSeconds, _nameTag);
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Ok);
            _control.ExitAttempt(failed: false);
            return new ConnectionScope(link, reader, _time.GetTimestamp(), _time, _options.Heartbeat.SendTimeout);
        }
        catch (Exception ex)
        {
            socket.Abort();
            socket.Dispose();
            reader?.Dispose();
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
            activity?.SetTag("error.type", ex.GetType().FullName);
            _control.ExitAttempt(failed: true);
            if (!_stopCts.IsCancellationRequested && !(cancellationToken.IsCancellationRequested && _control.IsPaused))
            {
                _failures++;
                Log.ConnectAttemptFailed(_logger, attempt, ex is OperationCanceledException ? $"timed out after {_options.Reconnect.ConnectTimeout}" : ex.Message);
                if (WillRetry(ex))
                {
                    _state.TryTransition(ConnectionState.Connecting, ConnectionState.Reconnecting, ex);
                }
            }

            throw;
        }
    }

    private bool IsTransient(Exception error) => error switch
    {
        WebSocketConnectException connect => connect.IsTransient,
        Outbox.OutboxStoreException => false, // a store that cannot save the checkpoint: retrying would not fix the disk
        _ => true,
    };

    private bool WillRetry(Exception error)
    {
        if (_stopCts.IsCancellationRequested || !IsTransient(error))
        {
            return false;
        }

        if (_options.Reconnect.Pipeline is not null)
        {
            return true;
        }

        if (!_hasBeenOpen && _options.Reconnect.FailFastOnStart)
        {
            return false;
        }

        return _options.Reconnect.MaxAttempts is not { } max || _failures < max;
    }

    private ResiliencePipeline BuildDefaultPipeline()
    {
        var reconnect = _options.Reconnect;
        return new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = int.MaxValue,
                ShouldHandle = args => new ValueTask<bool>(args.Outcome.Exception is { } ex && WillRetry(ex)),
                DelayGenerator = args =>
                {
                    var backoff = Backoff.AfterFailure(_failures, reconnect.Delay, reconnect.MaxDelay, Jitter.NextDouble());
                    var retryAfter = (args.Outcome.Exception as WebSocketConnectException)?.RetryAfter;
                    var delay = Backoff.WithRetryAfter(backoff, retryAfter);
                    Log.ReconnectScheduled(_logger, (long)delay.TotalMilliseconds);
                    return new ValueTask<TimeSpan?>(delay);
                },
            })
            .AddTimeout(reconnect.ConnectTimeout)
            .Build();
    }

    private ResiliencePipeline BuildTimeoutOnlyPipeline()
        => new ResiliencePipelineBuilder { TimeProvider = _time }.AddTimeout(_options.Reconnect.ConnectTimeout).Build();
}
