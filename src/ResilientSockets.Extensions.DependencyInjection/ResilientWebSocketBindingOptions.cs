namespace ResilientSockets;

/// <summary>Where a named registration's options were bound from, so validation errors can name the configuration key.</summary>
internal sealed class ResilientWebSocketBindingOptions
{
    /// <summary>Gets or sets the configuration section path (for example <c>Sockets:Prices</c>), or <see langword="null"/> when nothing was bound.</summary>
    public string? SectionPath { get; set; }
}
