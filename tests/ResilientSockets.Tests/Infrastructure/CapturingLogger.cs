using Microsoft.Extensions.Logging;

namespace ResilientSockets.Tests.Infrastructure;

/// <summary>Keeps every formatted log line (with scopes and exceptions) so tests can check what was, and was not, logged.</summary>
internal sealed class CapturingLogger : ILogger
{
    private readonly object _gate = new();
    private readonly List<(LogLevel Level, EventId Id, string Text)> _entries = [];

    public IReadOnlyList<(LogLevel Level, EventId Id, string Text)> Entries
    {
        get
        {
            lock (_gate)
            {
                return _entries.ToArray();
            }
        }
    }

    public string AllText => string.Join(Environment.NewLine, Entries.Select(e => e.Text));

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull
    {
        lock (_gate)
        {
            _entries.Add((LogLevel.Trace, default, "scope: " + state));
        }

        return null;
    }

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var text = $"{logLevel} {eventId.Id}:{eventId.Name} {formatter(state, exception)} {exception}";
        lock (_gate)
        {
            _entries.Add((logLevel, eventId, text));
        }
    }
}
