namespace ResilientSockets.Sessions;

/// <summary>What an incoming DATA sequence means for the receiver.</summary>
internal enum SequenceVerdict
{
    /// <summary>The next one: deliver it.</summary>
    Next,

    /// <summary>Already delivered (a replay): drop it, but acknowledge.</summary>
    Duplicate,

    /// <summary>Beyond the next one: a protocol error.</summary>
    Gap,
}
