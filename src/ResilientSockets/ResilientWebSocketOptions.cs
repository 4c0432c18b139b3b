using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Reconnect;

namespace ResilientSockets;

/// <summary>Everything a <see cref="ResilientWebSocket"/> can be told. Validated and copied when the client is constructed, so later edits have no effect.</summary>
/// <example>
/// <code>
/// var options = new ResilientWebSocketOptions
/// {
///     Uri = new Uri("wss://example.com/feed"),
///     OnConnecting = async (ctx, ct) => ctx.Options.SetRequestHeader("Authorization", "Bearer " + await tokens.GetAsync(ct)),
///     OnConnected = (ctx, ct) => ctx.SendTextAsync("{\"op\":\"subscribe\",\"topic\":\"prices\"}", ct),
///     Reconnect = { Delay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(30) },
/// };
/// </code>
/// </example>
public sealed class ResilientWebSocketOptions
{
    internal static readonly TimeSpan DefaultCloseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the server address (<c>ws://</c> or <c>wss://</c>). <see cref="OnConnecting"/> may replace it per attempt.</summary>
    /// <value>The default value is <see langword="null"/>; required unless <see cref="OnConnecting"/> sets <see cref="ConnectingContext.Uri"/>.</value>
    public Uri? Uri { get; set; }

    /// <summary>Gets or sets a name for this client, used in the logging scope.</summary>
    /// <value>The default value is <c>"default"</c>.</value>
    public string Name { get; set; } = "default";

    /// <summary>
    /// Gets or sets an async callback run before every connection attempt, first and reconnects alike: choose the URI and
    /// configure <see cref="System.Net.WebSockets.ClientWebSocketOptions"/> (headers such as a freshly refreshed token,
    /// subprotocols, proxy, client certificates). An exception fails that attempt, which is retried per policy.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Func<ConnectingContext, CancellationToken, ValueTask>? OnConnecting { get; set; }

    /// <summary>
    /// Gets or sets an async callback run after every (re)connect, before the state becomes <see cref="ConnectionState.Open"/>
    /// and before queued messages are flushed: authenticate, resubscribe. While it runs it has the socket to itself
    /// (<see cref="ConnectedContext.SendAsync"/>, <see cref="ConnectedContext.ReceiveAsync"/>). An exception fails that
    /// attempt, which is retried per policy.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Func<ConnectedContext, CancellationToken, ValueTask>? OnConnected { get; set; }

    /// <summary>Gets or sets connect and reconnect behaviour.</summary>
    public ReconnectOptions Reconnect { get; set; } = new();

    /// <summary>Gets or sets outbound queue behaviour.</summary>
    public SendQueueOptions Sending { get; set; } = new();

    /// <summary>Gets or sets receive behaviour.</summary>
    public ReceiveOptions Receiving { get; set; } = new();

    /// <summary>Gets or sets liveness checks: heartbeat ping/pong, protocol keep-alive, receive and send timeouts.</summary>
    public HeartbeatOptions Heartbeat { get; set; } = new();

    /// <summary>Gets or sets how the client follows the device: the connectivity source (see also <see cref="ResilientWebSocket.PauseAsync"/>, <see cref="ResilientWebSocket.Resume"/>, <see cref="ResilientWebSocket.ReconnectNow"/>).</summary>
    public LifecycleOptions Lifecycle { get; set; } = new();

    /// <summary>Gets or sets how the WebSocket is carried: HTTP/1.1 or HTTP/2 through a shared invoker, and permessage-deflate.</summary>
    public TransportOptions Transport { get; set; } = new();

    /// <summary>Gets or sets chunked binary transfers (<c>SendTransferAsync</c>, <c>ReadTransfersAsync</c>). When set, binary messages starting with the frame magic are frames.</summary>
    /// <value>The default value is <see langword="null"/>: framing is off.</value>
    public ChunkedTransferOptions? Framing { get; set; }

    /// <summary>
    /// Gets or sets acknowledged sessions: every message carries a sequence number, both sides acknowledge, and after a
    /// reconnect each side replays what the other has not received (nothing lost, nothing twice). The server must speak
    /// the session wire format (ResilientSockets.Server, or any implementation of the README's tables).
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no session; a send completes when written, a cut can lose what was in flight.</value>
    public ReliableSessionOptions? Session { get; set; }

    /// <summary>
    /// Gets or sets the durable outbox (the offline cache): application sends are stored before they return and are sent
    /// from the store, oldest first, surviving reconnects and (with a durable store) process restarts. With a
    /// <see cref="Session"/> they leave the store when the server acknowledges them, and a restarted client resumes its
    /// session, so the server's application sees each exactly once.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no outbox; sends are held in memory only.</value>
    public OutboxOptions? Outbox { get; set; }

    /// <summary>
    /// Gets or sets shared subscriptions and correlated requests for one application protocol (graphql-ws, JSON-RPC, your own):
    /// <see cref="ResilientWebSocket.Subscribe(string, ReaderOptions?)"/> and <see cref="ResilientWebSocket.RequestAsync(string, ReadOnlyMemory{byte}, RequestOptions?, CancellationToken)"/>.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: off (Subscribe and RequestAsync throw <see cref="InvalidOperationException"/>).</value>
    public SubscriptionOptions? Subscriptions { get; set; }

    /// <summary>Gets or sets how long a stop waits for the close handshake before aborting the connection.</summary>
    /// <value>The default value is 5 seconds. Must be greater than zero.</value>
    public TimeSpan CloseTimeout { get; set; } = DefaultCloseTimeout;

    /// <summary>Gets or sets the source of every delay, timer and timestamp the client uses.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets the factory of the <see cref="System.Diagnostics.Metrics.Meter"/> the client reports to (from DI: <c>IMeterFactory</c>).</summary>
    /// <value>The default value is <see langword="null"/>: a shared meter named <see cref="ResilientSocketsDiagnostics.MeterName"/>.</value>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; set; }

    /// <summary>Gets or sets a value indicating whether the client takes the browser's path (see <see cref="Platform.BrowserPlatform"/>). A seam for tests, which cannot run in WebAssembly.</summary>
    internal bool IsBrowser { get; set; } = Platform.BrowserPlatform.IsCurrent;

    /// <summary>Checks every setting and throws one exception that lists every problem.</summary>
    /// <exception cref="ArgumentException">One or more settings are invalid; the message lists them all.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        if (Uri is not null && UriRules.Check(Uri) is { } uriProblem)
        {
            errors.Add(uriProblem);
        }
        else if (Uri is null && OnConnecting is null)
        {
            errors.Add("Uri is required: set Uri, or set OnConnecting and assign ConnectingContext.Uri there.");
        }

        if (string.IsNullOrWhiteSpace(Name))
        {
            errors.Add("Name must not be empty.");
        }

        if (CloseTimeout <= TimeSpan.Zero)
        {
            errors.Add($"CloseTimeout must be greater than zero (was {CloseTimeout}).");
        }

        if (TimeProvider is null)
        {
            errors.Add("TimeProvider must not be null.");
        }

        if (Reconnect is null)
        {
            errors.Add("Reconnect must not be null.");
        }
        else
        {
            Reconnect.Validate(errors);
        }

        if (Sending is null)
        {
            errors.Add("Sending must not be null.");
        }
        else
        {
            Sending.Validate(errors);
        }

        if (Heartbeat is null)
        {
            errors.Add("Heartbeat must not be null.");
        }
        else
        {
            Heartbeat.Validate(errors);
        }

        Framing?.Validate(errors);
        Session?.Validate(errors);
        Outbox?.Validate(errors);

        if (Lifecycle is null)
        {
            errors.Add("Lifecycle must not be null.");
        }

        if (Transport is null)
        {
            errors.Add("Transport must not be null.");
        }
        else
        {
            Transport.Validate(errors);
        }

        Platform.BrowserPlatform.Validate(Heartbeat, Transport, IsBrowser, errors);

        Subscriptions?.Validate(errors);

        if (Receiving is null)
        {
            errors.Add("Receiving must not be null.");
        }
        else
        {
            Receiving.Validate(errors);
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException(
                $"Invalid ResilientWebSocketOptions ({errors.Count} problem{(errors.Count == 1 ? string.Empty : "s")}):{Environment.NewLine} - " + string.Join(Environment.NewLine + " - ", errors),
                "options");
        }
    }

    internal ResilientWebSocketOptions Clone() => new()
    {
        Uri = Uri,
        Name = Name,
        OnConnecting = OnConnecting,
        OnConnected = OnConnected,
        Reconnect = Reconnect.Clone(),
        Sending = Sending.Clone(),
        Receiving = Receiving.Clone(),
        Heartbeat = Heartbeat.Clone(),
        Framing = Framing?.Clone(),
        Session = Session?.Clone(),
        Outbox = Outbox?.Clone(),
        Lifecycle = Lifecycle.Clone(),
        Transport = Transport.Clone(),
        IsBrowser = IsBrowser,
        Subscriptions = Subscriptions?.Clone(),
        CloseTimeout = CloseTimeout,
        TimeProvider = TimeProvider,
        MeterFactory = MeterFactory,
    };
}
