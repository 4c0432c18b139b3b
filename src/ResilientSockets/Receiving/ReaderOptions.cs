using System;
using System.Collections.Generic;

namespace ResilientSockets;

/// <summary>
/// Settings of one reader (<see cref="ResilientWebSocket.CreateReader(ReaderOptions)"/>, <see cref="ResilientWebSocket.ReadAllAsync(ReaderOptions, System.Threading.CancellationToken)"/>).
/// A setting left <see langword="null"/> takes the client-wide default from <see cref="ReceiveOptions"/>.
/// </summary>
public sealed class ReaderOptions
{
    /// <summary>Gets or sets the reader's name, used in drop events, logs and the drop counter's <c>reader</c> tag.</summary>
    /// <value>The default value is <see langword="null"/>: the reader is named <c>reader-N</c> (N counts readers created by the client).</value>
    public string? Name { get; set; }

    /// <summary>Gets or sets how many messages the reader may have waiting before its <see cref="OverflowPolicy"/> applies.</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="ReceiveOptions.ReaderCapacity"/>. Must be at least 1 when set.</value>
    public int? Capacity { get; set; }

    /// <summary>Gets or sets what happens when the reader has <see cref="Capacity"/> messages waiting.</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="ReceiveOptions.ReaderOverflowPolicy"/>.</value>
    public OverflowPolicy? OverflowPolicy { get; set; }

    internal void Validate()
    {
        var errors = new List<string>();
        if (Capacity is < 1)
        {
            errors.Add($"ReaderOptions.Capacity must be at least 1 when set (was {Capacity}).");
        }

        if (OverflowPolicy is { } policy && !Enum.IsDefined(typeof(OverflowPolicy), policy))
        {
            errors.Add($"ReaderOptions.OverflowPolicy has an unknown value ({(int)policy}).");
        }

        if (Name is { Length: 0 })
        {
            errors.Add("ReaderOptions.Name must not be empty when set (leave it null for a generated name).");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid reader options: " + string.Join(" ", errors), "options");
        }
    }
}
