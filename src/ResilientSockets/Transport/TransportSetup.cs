using System;
using System.Collections.Generic;
using System.Net;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;

namespace ResilientSockets.Transport;

/// <summary>Applies <see cref="TransportOptions"/> to one attempt's socket and connects it. The one place that knows how each build carries a WebSocket.</summary>
internal static class TransportSetup
{
#if NET
    // ClientWebSocketOptions.Proxy is not null by default but a runtime sentinel meaning "the system proxy"; only a
    // proxy the caller set conflicts with an invoker. Probed lazily: reading Proxy throws in the browser.
    private static readonly Lazy<IWebProxy?> DefaultProxy = new(ProbeDefaultProxy);
#endif

    /// <summary>Sets what <paramref name="transport"/> asks for, before <c>OnConnecting</c> runs (which may still change it).</summary>
    public static void Apply(ClientWebSocketOptions options, TransportOptions transport)
    {
        if (transport.IsDefault)
        {
            return;
        }

#if NET
        options.HttpVersion = transport.EffectiveHttpVersion;
        options.HttpVersionPolicy = transport.VersionPolicy switch
        {
            WebSocketVersionPolicy.RequestVersionOrHigher => System.Net.Http.HttpVersionPolicy.RequestVersionOrHigher,
            WebSocketVersionPolicy.RequestVersionExact => System.Net.Http.HttpVersionPolicy.RequestVersionExact,
            _ => System.Net.Http.HttpVersionPolicy.RequestVersionOrLower,
        };
        if (transport.Compression is { } deflate)
        {
            options.DangerousDeflateOptions = new WebSocketDeflateOptions
            {
                ClientMaxWindowBits = deflate.ClientMaxWindowBits,
                ClientContextTakeover = deflate.ClientContextTakeover,
                ServerMaxWindowBits = deflate.ServerMaxWindowBits,
                ServerContextTakeover = deflate.ServerContextTakeover,
            };
        }
#endif
    }

    /// <summary>
    /// Names the settings the runtime refuses together with an invoker (it would throw a bare ArgumentException from
    /// <c>ConnectAsync</c>); they can only have come from <c>OnConnecting</c>, so they are checked after it, per attempt.
    /// </summary>
    public static string? CheckInvokerConflicts(ClientWebSocketOptions options, TransportOptions transport)
    {
#if NET
        if (transport.HttpInvoker is null)
        {
            return null;
        }

        var conflicts = new List<string>();
        if (options.Proxy is not null && !ReferenceEquals(options.Proxy, DefaultProxy.Value))
        {
            conflicts.Add("Proxy");
        }

        if (options.Credentials is not null)
        {
            conflicts.Add("Credentials");
        }

        if (options.UseDefaultCredentials)
        {
            conflicts.Add("UseDefaultCredentials");
        }

        if (options.ClientCertificates.Count > 0)
        {
            conflicts.Add("ClientCertificates");
        }

        if (options.RemoteCertificateValidationCallback is not null)
        {
            conflicts.Add("RemoteCertificateValidationCallback");
        }

        if (options.Cookies is not null)
        {
            conflicts.Add("Cookies");
        }

        return conflicts.Count == 0 ? null
            : $"OnConnecting set ClientWebSocketOptions.{string.Join(", ", conflicts)}, which cannot be combined with Transport.HttpInvoker: configure them on the invoker's handler instead (e.g. SocketsHttpHandler.Proxy, SslOptions.ClientCertificates, SslOptions.RemoteCertificateValidationCallback, CookieContainer), or leave HttpInvoker null.";
#else
        _ = options;
        _ = transport;
        return null;
#endif
    }

    public static Task ConnectAsync(ClientWebSocket socket, Uri uri, TransportOptions transport, CancellationToken cancellationToken)
    {
#if NET
        if (transport.HttpInvoker is { } invoker)
        {
            return socket.ConnectAsync(uri, invoker, cancellationToken);
        }
#endif
        return socket.ConnectAsync(uri, cancellationToken);
    }

#if NET
    private static IWebProxy? ProbeDefaultProxy()
    {
        using var probe = new ClientWebSocket();
        return probe.Options.Proxy;
    }
#endif
}
