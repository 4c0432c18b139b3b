using System;
using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;

namespace ResilientSockets.Internal;

internal static class Utf8
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Encodes into a rented array; the caller owns the array and returns it to the shared pool.</summary>
    public static byte[] EncodeRented(ReadOnlySpan<char> text, out int length)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, Strict.GetMaxByteCount(text.Length)));
        try
        {
            length = Encode(text, buffer);
            return buffer;
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public static string Decode(ReadOnlySpan<byte> bytes)
    {
#if NET
        return Encoding.UTF8.GetString(bytes);
#else
        if (bytes.IsEmpty)
        {
            return string.Empty;
        }

        unsafe
        {
            fixed (byte* p = bytes)
            {
                return Encoding.UTF8.GetString(p, bytes.Length);
            }
        }
#endif
    }

    private static int Encode(ReadOnlySpan<char> text, byte[] destination)
    {
#if NET
        return Strict.GetBytes(text, destination);
#else
        if (text.IsEmpty)
        {
            return 0;
        }

        unsafe
        {
            fixed (char* source = &MemoryMarshal.GetReference(text))
            fixed (byte* target = destination)
            {
                return Strict.GetBytes(source, text.Length, target, destination.Length);
            }
        }
#endif
    }
}
