using System;
using Microsoft.Extensions.Options;

namespace ResilientSockets;

/// <summary>Runs <see cref="ResilientWebSocketOptions.Validate"/> for a named registration, so <c>ValidateOnStart</c> reports every problem before the app runs.</summary>
internal sealed class ResilientWebSocketOptionsValidator(string name) : IValidateOptions<ResilientWebSocketOptions>
{
    public ValidateOptionsResult Validate(string? optionsName, ResilientWebSocketOptions options)
    {
        if (!string.Equals(optionsName, name, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail($"ResilientWebSocket '{name}': {ex.Message}");
        }
    }
}
