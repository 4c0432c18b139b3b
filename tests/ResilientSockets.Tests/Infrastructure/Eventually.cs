namespace ResilientSockets.Tests.Infrastructure;

internal static class Eventually
{
    /// <summary>Re-checks a condition until it holds or the signal timeout passes; for state that raises no event.</summary>
    public static async Task TrueAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TestTimeouts.Signal;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting until " + what);
            }

            await Task.Delay(5);
        }
    }
}
