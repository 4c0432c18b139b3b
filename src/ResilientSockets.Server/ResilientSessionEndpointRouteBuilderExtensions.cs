using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Routing;
using ResilientSockets.Server;
using ResilientSockets.Server.Internal;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps ResilientSockets session endpoints, in the style of SignalR's <c>MapHub</c>.</summary>
public static class ResilientSessionEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps a WebSocket endpoint that speaks the ResilientSockets session protocol (subprotocol
    /// <c>resilientsockets.session.v1</c>). <paramref name="handler"/> runs once per session, from the first HELLO until
    /// the session ends, across every reconnect of the client. Requires <c>app.UseWebSockets()</c>.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder (a <c>WebApplication</c>).</param>
    /// <param name="pattern">The route pattern, e.g. <c>/session</c>.</param>
    /// <param name="handler">
    /// The application's side of a session. Its token is <see cref="ResilientSession.Lost"/>. When it returns, the
    /// session is closed with 1000 once the client has acknowledged everything sent; when it throws, the session ends
    /// with 1011.
    /// </param>
    /// <param name="configure">Sets the endpoint's options (validated here).</param>
    /// <returns>A builder to add conventions (authorization, CORS, metadata) to the endpoint.</returns>
    /// <example>
    /// <code>
    /// app.UseWebSockets();
    /// app.MapResilientSessions("/session", async (session, ct) =>
    /// {
    ///     await foreach (var message in session.ReadAllAsync(ct))
    ///     {
    ///         await session.SendTextAsync(message.Text, ct);
    ///     }
    /// }, options => options.ResumeWindow = TimeSpan.FromMinutes(5));
    /// </code>
    /// </example>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static IEndpointConventionBuilder MapResilientSessions(
        this IEndpointRouteBuilder endpoints,
        string pattern,
        Func<ResilientSession, CancellationToken, Task> handler,
        Action<ResilientSessionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(handler);

        var options = new ResilientSessionOptions();
        configure?.Invoke(options);
        options.Validate();
        var endpoint = new SessionEndpoint(options.Clone(), handler, endpoints.ServiceProvider);
        return endpoints.Map(pattern, endpoint.HandleAsync).WithDisplayName("ResilientSessions " + pattern);
    }
}
