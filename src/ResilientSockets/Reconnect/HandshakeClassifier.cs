using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.RegularExpressions;
using ResilientSockets.Diagnostics;

namespace ResilientSockets.Reconnect;

/// <summary>Turns a failed ConnectAsync into a <see cref="WebSocketConnectException"/> that says what is wrong and what to do.</summary>
internal static class HandshakeClassifier
{
    // netstandard2.0 exposes the handshake status only in the message ("status code '404' when status code '101' was expected").
    private static readonly Regex StatusInMessage = new(@"status code '(\d{3})'", RegexOptions.CultureInvariant);

    private const string ProxyAdvice =
        "If a reverse proxy (nginx, a load balancer, an ingress) sits in front of the server, it must forward the 'Upgrade' and 'Connection: upgrade' headers "
        + "(nginx: proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection \"upgrade\";).";

    public static WebSocketConnectException Classify(Exception error, ClientWebSocket socket, Uri uri, ISet<int> nonRetryable, DateTimeOffset now)
    {
        var (status, headers) = ReadResponse(error, socket);
        var target = $"{uri.Host}:{uri.Port}";
        var address = UriRedactor.Redact(uri);

        if (status is 400 && EngineIoDetector.IsEngineIoRejection(headers))
        {
            return new WebSocketConnectException(
                $"The server at {target} answered the handshake for '{uri.AbsolutePath}' with 400 Bad Request in the shape Engine.IO (the transport of Socket.IO) "
                + "gives a request without its own parameters (its answer body is then 'Transport unknown'): it is most likely a Socket.IO server on a custom path. "
                + "Socket.IO is its own protocol on top of WebSocket; a plain WebSocket client cannot talk to it. Use a Socket.IO client library, "
                + "or point this client at a plain WebSocket endpoint.",
                error,
                isTransient: false,
                status);
        }

        if (status is { } code)
        {
            var transient = !nonRetryable.Contains(code);
            TimeSpan? retryAfter = null;
            if ((code == 429 || code == 503) && headers is not null && headers.TryGetValue("Retry-After", out var values))
            {
                retryAfter = RetryAfter.Parse(values.FirstOrDefault(), now);
            }

            return new WebSocketConnectException(DescribeStatus(code, uri, target, address, retryAfter), error, transient, code, retryAfter);
        }

        if (Find<SocketException>(error) is { } socketError)
        {
            var message = socketError.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => $"Connection refused by {target}: nothing is listening there. Is the server running, and are the host and port right?",
                SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => $"The host '{uri.Host}' could not be resolved. Check the host name and DNS.",
                SocketError.TimedOut => $"Connecting to {target} timed out at the TCP level. Is a firewall dropping the traffic?",
                SocketError.NetworkUnreachable or SocketError.HostUnreachable => $"{target} is unreachable from this machine ({socketError.SocketErrorCode}).",
                _ => $"Could not connect to {target}: {socketError.SocketErrorCode} ({socketError.Message}).",
            };
            return new WebSocketConnectException(message, error, isTransient: true);
        }

        if (Find<System.Security.Authentication.AuthenticationException>(error) is { } tls)
        {
            return new WebSocketConnectException(
                $"The TLS handshake with {target} failed: {tls.Message} If the server uses a self-signed certificate, supply a validation callback "
                + "through ConnectingContext.Options.RemoteCertificateValidationCallback (only in development).",
                error,
                isTransient: false);
        }

        return new WebSocketConnectException($"Could not connect to {address}: {error.Message}", error, isTransient: true);
    }

    private static string DescribeStatus(int code, Uri uri, string target, string address, TimeSpan? retryAfter) => code switch
    {
        404 => $"The server at {target} answered the WebSocket handshake for path '{uri.AbsolutePath}' with 404 Not Found. Check that the path is the server's WebSocket endpoint. " + ProxyAdvice,
        401 => $"The server at {target} rejected the handshake with 401 Unauthorized: credentials are missing or invalid. Supply them per attempt in OnConnecting (e.g. an Authorization header), so refreshed tokens are used on reconnect.",
        403 => $"The server at {target} rejected the handshake with 403 Forbidden: the credentials are valid but not allowed here, or the Origin is refused.",
        400 => $"The server at {target} answered the handshake for '{uri.AbsolutePath}' with 400 Bad Request: it did not accept the request as a WebSocket upgrade. " + ProxyAdvice
            + " Or the endpoint speaks a protocol of its own on top of WebSocket: a Socket.IO server, for one, answers a plain WebSocket client with 400 ('Transport unknown'); it needs a Socket.IO client.",
        426 => $"The server at {target} answered 426 Upgrade Required: the upgrade headers did not reach it. " + ProxyAdvice,
        429 or 503 => $"The server at {target} is busy ({code}); " + (retryAfter is { } wait ? $"it asked to retry after {wait.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s." : "retrying with backoff."),
        >= 200 and < 400 => $"The server at {target} answered the handshake for '{uri.AbsolutePath}' with {code} instead of 101 Switching Protocols: that address serves plain HTTP, not a WebSocket endpoint. Check the path. " + ProxyAdvice,
        _ => $"The server at {address} answered the WebSocket handshake with {code} instead of 101 Switching Protocols.",
    };

    private static (int? Status, IReadOnlyDictionary<string, IEnumerable<string>>? Headers) ReadResponse(Exception error, ClientWebSocket socket)
    {
#if NET
        // The browser exposes no handshake response to the page.
        if (!Platform.BrowserPlatform.IsCurrent && socket.HttpStatusCode != 0)
        {
            return ((int)socket.HttpStatusCode, socket.HttpResponseHeaders);
        }
#else
        _ = socket;
#endif
        for (var e = error; e is not null; e = e.InnerException)
        {
            var match = StatusInMessage.Match(e.Message);
            if (match.Success)
            {
                return (int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), null);
            }
        }

        return (null, null);
    }

    private static T? Find<T>(Exception error)
        where T : Exception
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }
}
