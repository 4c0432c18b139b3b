using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ResilientSockets.Tests.Docs;

/// <summary>
/// Compiles a README code block in process (Roslyn) the way a reader would use it: pasted into a new
/// <c>dotnet new console</c> project (implicit usings and nullable on, as the template sets them) that references the
/// ResilientSockets packages. A block is either a complete program (top-level statements) or a fragment whose first
/// line says where it goes: <c>// fragment: inside static async Task RunAsync(ResilientWebSocket client, CancellationToken ct)</c>.
/// A fragment's leading <c>using</c> directives are kept as directives; the rest becomes the body of that method.
/// Diagnostics point at the markdown file's own lines.
/// </summary>
internal static partial class SnippetCompiler
{
    private const string FragmentMarker = "// fragment: inside ";

    /// <summary>The implicit usings of a console project (Microsoft.NET.Sdk).</summary>
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    // Every assembly the test host can load: the shared frameworks plus the test's packages and project references
    // (the ResilientSockets assemblies, Microsoft.Extensions.*). Read once.
    private static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray());

    /// <summary>The errors and warnings of compiling <paramref name="block"/>, each as "file:line: error CSxxxx: text".</summary>
    public static IReadOnlyList<string> Compile(MarkdownCodeBlock block)
    {
        var (source, kind) = Wrap(block);
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = new[]
        {
            CSharpSyntaxTree.ParseText(ImplicitUsings, parse, path: "ImplicitUsings.g.cs", encoding: Encoding.UTF8),
            CSharpSyntaxTree.ParseText(source, parse, path: block.File, encoding: Encoding.UTF8),
        };
        var options = new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable, warningLevel: 9999);
        var compilation = CSharpCompilation.Create("ReadmeSnippet", trees, References.Value, options);
        return compilation.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning && !d.IsSuppressed)
            .Select(Format)
            .ToList();
    }

    private static (string Source, OutputKind Kind) Wrap(MarkdownCodeBlock block)
    {
        // #line maps every diagnostic back to the markdown file and line.
        var lines = block.Code.Split('\n');
        var header = lines.FirstOrDefault()?.Trim() ?? string.Empty;
        if (!header.StartsWith("// fragment", StringComparison.Ordinal))
        {
            return ($"#line {block.Line} \"{block.File}\"\n{block.Code}\n", OutputKind.ConsoleApplication);
        }

        if (!header.StartsWith(FragmentMarker, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{block.Location}: a fragment's first line must be `{FragmentMarker}<method header>`, e.g. `{FragmentMarker}static async Task RunAsync(ResilientWebSocket client, CancellationToken ct)`.");
        }

        var method = header[FragmentMarker.Length..];
        var usings = lines.Skip(1).TakeWhile(line => UsingDirective().IsMatch(line) || line.Trim().Length == 0).Count();
        var source = new StringBuilder()
            .Append($"#line {block.Line + 1} \"{block.File}\"\n")
            .Append(string.Join('\n', lines.Skip(1).Take(usings))).Append('\n')
            .Append("#line hidden\ninternal static class ReadmeFragment\n{\n").Append(method).Append("\n{\n")
            .Append($"#line {block.Line + 1 + usings} \"{block.File}\"\n")
            .Append(string.Join('\n', lines.Skip(1 + usings))).Append('\n')
            .Append("#line hidden\n}\n}\n");
        return (source.ToString(), OutputKind.DynamicallyLinkedLibrary);
    }

    private static string Format(Diagnostic diagnostic)
    {
        var span = diagnostic.Location.GetMappedLineSpan();
        var where = span.IsValid ? $"{span.Path}:{span.StartLinePosition.Line + 1}" : "(no location)";
        var severity = diagnostic.Severity == DiagnosticSeverity.Error ? "error" : "warning";
        return $"{where}: {severity} {diagnostic.Id}: {diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
    }

    [GeneratedRegex(@"^\s*using\s+(static\s+)?[\w.]+(\s*=\s*[\w.<>, ]+)?\s*;\s*$")]
    private static partial Regex UsingDirective();
}
