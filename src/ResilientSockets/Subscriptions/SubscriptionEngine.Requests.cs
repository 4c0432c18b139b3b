using System;
using System.Buffers;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Diagnostics;
using ResilientSockets.Internal;
using ResilientSockets.Receiving;

namespace ResilientSockets.Subscriptions;

internal sealed partial class SubscriptionEngine
{
    public async Task<ReadOnlyMemory<byte>> RequestAsync(string method, ReadOnlyMemory<byte> parameters, RequestOptions? options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var id = "r" + Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var output = new MessageBuffer(64 + parameters.Length);
        _protocol.WriteRequest(output, id, method, parameters);
        var timeout = options?.Timeout ?? _options.RequestTimeout;
        var request = new PendingRequest(id, method, output.WrittenSpan.ToArray(), options?.Idempotent ?? false, timeout);
        lock (_gate)
        {
            if (_completed)
            {
                throw new ResilientWebSocketException($"The client has {(_completionError is null ? "stopped" : "faulted")}: '{method}' was not sent.", _completionError);
            }

            if (_requests.Count >= _options.MaxPendingRequests)
            {
                throw new InvalidOperationException($"Cannot send '{method}': {_requests.Count} requests await a response already (SubscriptionOptions.MaxPendingRequests).");
            }

            _requests.Add(request.Key, request);
        }

        using var timer = _time.CreateTimeoutSource(timeout);
        using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(timer.Token, cancellationToken) : null;
        var token = linked?.Token ?? timer.Token;
        using var registration = token.Register(static s =>
        {
            var (self, pending, timedOut, caller) = ((SubscriptionEngine, PendingRequest, CancellationTokenSource, CancellationToken))s!;
            self.OnRequestCancelled(pending, timedOut.IsCancellationRequested && !caller.IsCancellationRequested, caller);
        }, (this, request, timer, cancellationToken));
        try
        {
            await _client.SendAsync(request.Message, WebSocketMessageType.Text, Transient, token).ConfigureAwait(false);
            lock (_gate)
            {
                // Only a request still pending is in flight: the response may have come before this continuation ran.
                if (_requests.TryGetValue(request.Key, out var current) && ReferenceEquals(current, request))
                {
                    request.Written = true;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Withdrawn before it was written: the registration completed the request (timeout or the caller's token).
        }
#pragma warning disable CA1031 // Not sent (stopped, rejected by the queue): that is the request's outcome.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            if (Remove(request))
            {
                request.Completion.TrySetException(ex);
            }
        }

        return await request.Completion.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// Classifies a received text message and routes it: to a subscription's consumers, to a waiting request, or to
    /// nobody (logged). Returns <see langword="false"/> when the message is not the protocol's, or is an event no route
    /// claims: it then goes to the ordinary readers. Runs on the receive loop only.
    /// </summary>
    public bool TryRoute(WebSocketMessageType type, ReadOnlyMemory<byte> payload, ReaderHub hub, out ValueTask pending)
    {
        pending = default;
        if (type != WebSocketMessageType.Text)
        {
            return false;
        }

        var message = _protocol.Read(payload, _reply);
        if (_reply.WrittenCount > 0)
        {
            _client.TryPost(_reply.WrittenSpan.ToArray(), WebSocketMessageType.Text);
            _reply.Clear();
        }

        switch (message.Kind)
        {
            case ProtocolMessageKind.Unrecognized:
                return false;
            case ProtocolMessageKind.Handled:
                return true;
            case ProtocolMessageKind.Malformed:
                Log.MalformedProtocolMessage(_logger, payload.Length, message.ErrorMessage ?? "(no reason given)");
                return true;
        }

        var key = new Utf8Key(message.Key);
        TopicRoute? route;
        PendingRequest? request;
        lock (_gate)
        {
            _routes.TryGetValue(key, out route);
            request = route is null && _requests.TryGetValue(key, out var found) ? found : null;
            if (request is not null)
            {
                _requests.Remove(key);
            }
        }

        if (route is not null)
        {
            return RouteToSubscription(route, message, hub, out pending);
        }

        if (request is not null)
        {
            CompleteRequest(request, message);
            return true;
        }

        if (message.Kind == ProtocolMessageKind.Event)
        {
            return false; // nobody subscribed: the ordinary readers get it
        }

        if (message.Kind == ProtocolMessageKind.Completed || ProtocolJson.IsSubscriptionId(message.Key.Span))
        {
            Log.LateControlMessage(_logger, message.Kind, key.ToString());
        }
        else
        {
            Log.UnmatchedResponse(_logger, message.Kind, key.ToString());
        }

        return true;
    }

    private bool RouteToSubscription(TopicRoute route, in ProtocolMessage message, ReaderHub hub, out ValueTask pending)
    {
        pending = default;
        switch (message.Kind)
        {
            case ProtocolMessageKind.Event:
                var consumers = route.Consumers;
                if (consumers.Length > 0)
                {
                    var data = message.Payload.IsEmpty ? Array.Empty<byte>() : message.Payload.ToArray();
                    pending = hub.PublishToAsync(consumers, new InboundEntry(WebSocketMessageType.Text, data));
                }

                return true;
            case ProtocolMessageKind.Error:
                var reason = message.ErrorMessage ?? "(no message)";
                Log.SubscriptionRefused(_logger, route.Id, route.Topic, reason);
                EndRoute(route, new SubscriptionRefusedException(route.Topic, reason, Text(message.Payload)));
                return true;
            case ProtocolMessageKind.Completed:
                Log.SubscriptionCompletedByServer(_logger, route.Id, route.Topic);
                EndRoute(route, null);
                return true;
            default:
                return true; // a subscribe acknowledged (JSON-RPC rpc.on answers "ok")
        }
    }

    private void CompleteRequest(PendingRequest request, in ProtocolMessage message)
    {
        switch (message.Kind)
        {
            case ProtocolMessageKind.Event or ProtocolMessageKind.Response:
                request.Completion.TrySetResult(message.Payload.IsEmpty ? Array.Empty<byte>() : message.Payload.ToArray());
                break;
            case ProtocolMessageKind.Error:
                request.Completion.TrySetException(new RequestFailedException(request.Method, message.ErrorMessage ?? "(no message)", Text(message.Payload)));
                break;
            default:
                request.Completion.TrySetException(new RequestFailedException(request.Method, "the server ended the request without a result", null));
                break;
        }
    }

    private void OnRequestCancelled(PendingRequest request, bool timedOut, CancellationToken caller)
    {
        bool written;
        lock (_gate)
        {
            written = request.Written;
        }

        if (!Remove(request))
        {
            return; // already answered
        }

        if (timedOut)
        {
            Log.RequestTimedOut(_logger, request.Id, request.Method, (long)request.Timeout.TotalMilliseconds);
            request.Completion.TrySetException(new TimeoutException($"'{request.Method}' got no response within {request.Timeout} (RequestOptions.Timeout / SubscriptionOptions.RequestTimeout). A late response is logged and dropped."));
        }
        else
        {
            request.Completion.TrySetCanceled(caller);
        }

        if (written)
        {
            var output = new MessageBuffer(64);
            _protocol.WriteCancel(output, request.Id);
            if (output.WrittenCount > 0)
            {
                _client.TryPost(output.WrittenSpan.ToArray(), WebSocketMessageType.Text);
            }
        }
    }

    /// <summary>The link dropped (or a connection attempt failed after resending): requests written to it follow the in-flight policy.</summary>
    private void OnConnectionLost()
    {
        List<PendingRequest>? failed = null;
        var resent = 0;
        lock (_gate)
        {
            foreach (var request in _requests.Values)
            {
                if (!request.Written)
                {
                    continue; // still queued (or requeued after a failed write): it goes out on the next connection
                }

                request.Written = false;
                if (request.Idempotent)
                {
                    request.Resend = true;
                    resent++;
                }
                else
                {
                    (failed ??= new List<PendingRequest>()).Add(request);
                }
            }

            if (failed is not null)
            {
                foreach (var request in failed)
                {
                    _requests.Remove(request.Key);
                }
            }
        }

        if (failed is not null || resent > 0)
        {
            Log.RequestsInterrupted(_logger, failed?.Count ?? 0, resent);
        }

        if (failed is not null)
        {
            foreach (var request in failed)
            {
                request.Completion.TrySetException(new RequestInterruptedException(request.Method));
            }
        }
    }

    private bool Remove(PendingRequest request)
    {
        lock (_gate)
        {
            if (_requests.TryGetValue(request.Key, out var current) && ReferenceEquals(current, request))
            {
                _requests.Remove(request.Key);
                return true;
            }

            return false;
        }
    }

    /// <summary>Gets how many requests await a response (for tests of bounded state).</summary>
    public int PendingRequestCount
    {
        get
        {
            lock (_gate)
            {
                return _requests.Count;
            }
        }
    }

    private static string? Text(ReadOnlyMemory<byte> json) => json.IsEmpty ? null : System.Text.Encoding.UTF8.GetString(json.ToArray());
}
