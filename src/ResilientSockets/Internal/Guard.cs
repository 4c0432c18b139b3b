using System;
using System.Runtime.CompilerServices;

namespace ResilientSockets.Internal;

// netstandard2.0 lacks ArgumentNullException.ThrowIfNull.
internal static class Guard
{
    public static T NotNull<T>(T? value, [CallerArgumentExpression(nameof(value))] string? name = null)
        where T : class
        => value ?? throw new ArgumentNullException(name);
}
