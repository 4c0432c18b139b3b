using System;
using System.Collections.Generic;

namespace ResilientSockets;

/// <summary>The outbound queue that holds messages until a connection is open.</summary>
public sealed class SendQueueOptions
{
    internal const int DefaultCapacity = 1024;

    /// <summary>Gets or sets how many messages the queue holds.</summary>
    /// <value>The default value is 1024. Must be at least 1.</value>
    public int Capacity { get; set; } = DefaultCapacity;

    /// <summary>Gets or sets what happens when the queue is full.</summary>
    /// <value>The default value is <see cref="OverflowPolicy.Wait"/>.</value>
    public OverflowPolicy OverflowPolicy { get; set; } = OverflowPolicy.Wait;

    /// <summary>Gets or sets how long a message may wait to be written when its <see cref="SendOptions"/> say nothing.</summary>
    /// <value>The default value is <see langword="null"/>: messages wait as long as the client runs. Must be greater than zero when set.</value>
    public TimeSpan? DefaultTimeToLive { get; set; }

    internal SendQueueOptions Clone() => new() { Capacity = Capacity, OverflowPolicy = OverflowPolicy, DefaultTimeToLive = DefaultTimeToLive };

    internal void Validate(List<string> errors)
    {
        if (Capacity < 1)
        {
            errors.Add($"Sending.Capacity must be at least 1 (was {Capacity}).");
        }

        if (!Enum.IsDefined(typeof(OverflowPolicy), OverflowPolicy))
        {
            errors.Add($"Sending.OverflowPolicy has an unknown value ({(int)OverflowPolicy}).");
        }

        if (DefaultTimeToLive is { } ttl && ttl <= TimeSpan.Zero)
        {
            errors.Add($"Sending.DefaultTimeToLive must be greater than zero when set (was {ttl}).");
        }
    }
}
