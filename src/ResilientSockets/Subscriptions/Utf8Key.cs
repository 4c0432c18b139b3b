using System;

namespace ResilientSockets.Subscriptions;

/// <summary>
/// A dictionary key over UTF-8 bytes: stored keys own their array, lookups wrap a slice of the received message, so
/// routing a message by id or topic allocates nothing.
/// </summary>
internal readonly struct Utf8Key : IEquatable<Utf8Key>
{
    private readonly ReadOnlyMemory<byte> _bytes;
    private readonly int _hash;

    public Utf8Key(ReadOnlyMemory<byte> bytes)
    {
        _bytes = bytes;
        _hash = Hash(bytes.Span);
    }

    public static Utf8Key Of(string text) => new(System.Text.Encoding.UTF8.GetBytes(text));

    public bool Equals(Utf8Key other) => _hash == other._hash && _bytes.Span.SequenceEqual(other._bytes.Span);

    public override bool Equals(object? obj) => obj is Utf8Key other && Equals(other);

    public override int GetHashCode() => _hash;

    public override string ToString() => System.Text.Encoding.UTF8.GetString(_bytes.ToArray());

    // FNV-1a: keys are short ids and topic names, so a simple byte loop beats anything clever.
    private static int Hash(ReadOnlySpan<byte> bytes)
    {
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)hash;
    }
}
