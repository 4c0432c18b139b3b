using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace ResilientSockets;

/// <summary>
/// Runs <see cref="ResilientWebSocketOptions.Validate"/> for a named registration, so <c>ValidateOnStart</c> reports
/// every problem before the app runs. When the options were bound from configuration, each problem names the key to
/// fix (<c>Sockets:Prices:Uri</c>), since that is what the reader of a failed deployment can change.
/// </summary>
internal sealed class ResilientWebSocketOptionsValidator(string name, IOptionsMonitor<ResilientWebSocketBindingOptions> bindings) : IValidateOptions<ResilientWebSocketOptions>
{
    private const string ProblemPrefix = " - ";

    // Every problem the core reports starts with the option's path: "Uri ...", "Reconnect.Delay must ...".
    private static readonly Regex LeadingOptionPath = new(@"^(?<path>[A-Z][A-Za-z0-9]*(?:\.[A-Z][A-Za-z0-9]*)*)\b", RegexOptions.CultureInvariant);

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
            var section = bindings.Get(name).SectionPath;
            var failures = new List<string>();
            foreach (var problem in Problems(ex))
            {
                failures.Add($"ResilientWebSocket '{name}'{KeyOf(section, problem)}: {problem}");
            }

            return ValidateOptionsResult.Fail(failures);
        }
    }

    /// <summary>Splits the core's one-message-lists-all format (" - problem" per line) back into problems.</summary>
    private static IEnumerable<string> Problems(ArgumentException ex)
    {
        var message = ex.ParamName is { } param ? ex.Message.Replace($" (Parameter '{param}')", string.Empty) : ex.Message;
        var found = false;
        foreach (var line in message.Split(["\r\n", "\n"], StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith(ProblemPrefix, StringComparison.Ordinal))
            {
                found = true;
                yield return line.Substring(ProblemPrefix.Length).Trim();
            }
        }

        if (!found)
        {
            yield return message;
        }
    }

    private static string KeyOf(string? section, string problem)
    {
        if (section is null || LeadingOptionPath.Match(problem) is not { Success: true } match)
        {
            return string.Empty;
        }

        var relative = match.Groups["path"].Value.Replace('.', ':');
        return $", configuration key '{(section.Length == 0 ? relative : section + ":" + relative)}'";
    }
}
