using System;

namespace ResilientSockets.Internal;

internal static class Jitter
{
#if !NET
    private static readonly Random Shared = new();
#endif

    /// <summary>A uniform value in [0, 1), safe to call from any thread.</summary>
    public static double NextDouble()
    {
#if NET
        return Random.Shared.NextDouble();
#else
        lock (Shared)
        {
            return Shared.NextDouble();
        }
#endif
    }
}
