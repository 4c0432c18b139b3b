using System;

namespace ResilientSockets.Diagnostics;

// Query strings carry tokens (?access_token=...) and user info carries passwords: neither may reach a log or a message.
internal static class UriRedactor
{
    public static string Redact(Uri? uri)
    {
        if (uri is null)
        {
            return "(none)";
        }

        if (!uri.IsAbsoluteUri)
        {
            return "(relative uri)";
        }

        var text = uri.GetComponents(UriComponents.Scheme | UriComponents.Host | UriComponents.Port | UriComponents.Path, UriFormat.UriEscaped);
        return string.IsNullOrEmpty(uri.Query) ? text : text + "?(redacted)";
    }
}
