using System;

namespace ResilientSockets.Server;

/// <summary>The defaults of <see cref="ResilientSessionOptions"/>, in one place.</summary>
internal static class ResilientSessionDefaults
{
    public static readonly TimeSpan ResumeWindow = TimeSpan.FromMinutes(2);
    public static readonly TimeSpan AckDelay = TimeSpan.FromMilliseconds(50);
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    public const int MaxUnacknowledgedMessages = 4096;
    public const long MaxUnacknowledgedBytes = 4L * 1024 * 1024;
    public const int AckEvery = 32;
    public const int MaxMessageSize = 4 * 1024 * 1024;
    public const int MaxPendingIncomingMessages = 1024;
    public const int MaxSessions = 10_000;

    // A resume window longer than this cannot be written into WELCOME's 32-bit millisecond field.
    public static readonly TimeSpan MaxResumeWindow = TimeSpan.FromMilliseconds(uint.MaxValue);
}
