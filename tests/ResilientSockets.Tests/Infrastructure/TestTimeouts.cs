namespace ResilientSockets.Tests.Infrastructure;

internal static class TestTimeouts
{
    /// <summary>Upper bound for any awaited signal in a test: generous, so a slow CI machine is not a failure, but finite, so a hang is.</summary>
    public static readonly TimeSpan Signal = TimeSpan.FromSeconds(20);
}
