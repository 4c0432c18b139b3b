using System;
using System.Text;

namespace ResilientSockets.Server.Internal;

/// <summary>Close descriptions fit the 123 UTF-8 bytes a close frame allows.</summary>
internal static class CloseReasons
{
    private const int MaxBytes = 123;

    public static string Fit(string reason)
    {
        if (Encoding.UTF8.GetByteCount(reason) <= MaxBytes)
        {
            return reason;
        }

        // Cut at a character boundary, leaving room for the ellipsis (3 bytes).
        var length = reason.Length;
        while (length > 0 && Encoding.UTF8.GetByteCount(reason.AsSpan(0, length)) > MaxBytes - 3)
        {
            length--;
            if (length > 0 && char.IsHighSurrogate(reason[length - 1]))
            {
                length--;
            }
        }

        return string.Concat(reason.AsSpan(0, length), "…");
    }
}
