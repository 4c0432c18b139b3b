using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ResilientSockets;

/// <summary>Creates each named client once, from its named options, with the container's logger factory, time provider and meter factory.</summary>
internal sealed class ResilientWebSocketFactory(
    IOptionsMonitor<ResilientWebSocketOptions> options,
    IEnumerable<ResilientWebSocketRegistration> registrations,
    ILoggerFactory? loggerFactory = null,
    TimeProvider? timeProvider = null,
    IMeterFactory? meterFactory = null) : IResilientWebSocketFactory, IAsyncDisposable
{
    private readonly HashSet<string> _names = new(registrations.Select(r => r.Name), StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<ResilientWebSocket>> _clients = new(StringComparer.Ordinal);

    public ResilientWebSocket Get(string name)
    {
        if (!_names.Contains(name))
        {
            throw new InvalidOperationException($"No ResilientWebSocket is registered under the name '{name}'. Registered: {string.Join(", ", _names)}. Call services.AddResilientWebSocket(\"{name}\", ...).");
        }

        return _clients.GetOrAdd(name, n => new Lazy<ResilientWebSocket>(() => Create(n))).Value;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values.Where(c => c.IsValueCreated))
        {
            await client.Value.DisposeAsync().ConfigureAwait(false);
        }
    }

    private ResilientWebSocket Create(string name)
    {
        // A copy: the options instance is cached by the options system and must not be changed.
        var configured = options.Get(name).Clone();
        if (string.IsNullOrEmpty(configured.Name) || configured.Name == "default")
        {
            configured.Name = name;
        }

        if (ReferenceEquals(configured.TimeProvider, TimeProvider.System) && timeProvider is not null)
        {
            configured.TimeProvider = timeProvider;
        }

        configured.MeterFactory ??= meterFactory;
        var logger = loggerFactory?.CreateLogger("ResilientSockets.ResilientWebSocket");
        return new ResilientWebSocket(configured, logger);
    }
}
