using System.Collections.Generic;

namespace ResilientSockets;

/// <summary>
/// permessage-deflate (RFC 7692) negotiated in the handshake: messages are compressed on the wire if the server agrees.
/// </summary>
/// <remarks>
/// Compressing secrets together with data an attacker can influence leaks the secrets through the compressed size
/// (CRIME, BREACH): do not enable it for such traffic, or send those messages with compression off
/// (<c>WebSocketMessageFlags.DisableCompression</c> when you use the socket yourself). Each connection holds a deflate and an
/// inflate context once it has sent and received a message; the README gives the measured cost. net10.0 build only.
/// </remarks>
public sealed class PerMessageDeflateOptions
{
    internal const int MinWindowBits = 9;
    internal const int MaxWindowBits = 15;

    /// <summary>Gets or sets the log2 of the LZ77 window the client compresses with (offered as <c>client_max_window_bits</c>).</summary>
    /// <value>The default value is 15 (a 32 KiB window). Must be 9 to 15.</value>
    public int ClientMaxWindowBits { get; set; } = MaxWindowBits;

    /// <summary>Gets or sets a value indicating whether the client keeps its compression context between messages (better ratio, more memory held while idle).</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool ClientContextTakeover { get; set; } = true;

    /// <summary>Gets or sets the log2 of the window the server may compress with (offered as <c>server_max_window_bits</c>).</summary>
    /// <value>The default value is 15 (a 32 KiB window). Must be 9 to 15.</value>
    public int ServerMaxWindowBits { get; set; } = MaxWindowBits;

    /// <summary>Gets or sets a value indicating whether the server may keep its compression context between messages.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool ServerContextTakeover { get; set; } = true;

    internal PerMessageDeflateOptions Clone() => (PerMessageDeflateOptions)MemberwiseClone();

    internal void Validate(List<string> errors)
    {
        if (ClientMaxWindowBits is < MinWindowBits or > MaxWindowBits)
        {
            errors.Add($"Transport.Compression.ClientMaxWindowBits must be {MinWindowBits} to {MaxWindowBits} (was {ClientMaxWindowBits}).");
        }

        if (ServerMaxWindowBits is < MinWindowBits or > MaxWindowBits)
        {
            errors.Add($"Transport.Compression.ServerMaxWindowBits must be {MinWindowBits} to {MaxWindowBits} (was {ServerMaxWindowBits}).");
        }
    }
}
