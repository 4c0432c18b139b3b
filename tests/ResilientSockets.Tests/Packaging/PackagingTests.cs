using System.Reflection;
using System.Reflection.Metadata;
using System.Text.Json;
using System.Xml.Linq;
using FluentAssertions;
using Xunit;

namespace ResilientSockets.Tests.Packaging;

/// <summary>What the packages promise about their symbols and XML docs, checked on the built files.</summary>
public sealed class PackagingTests
{
    // Custom debug information kinds of the portable PDB format.
    private static readonly Guid EmbeddedSourceKind = new("0E8A571B-6926-466E-B4AD-8AB04611F5FE");
    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    // The namespaces of the netstandard2.0 polyfills: PolySharp's attributes and our own internal helpers.
    private static readonly string[] PolyfillNamespaces = ["System.", "Microsoft.CodeAnalysis.", "ResilientSockets.Internal."];

    [Fact]
    public void The_library_pdb_embeds_every_source_file_so_a_debugger_steps_in_without_a_repository()
    {
        using var pdb = OpenPdb(typeof(ResilientWebSocket).Assembly);
        var reader = pdb.GetMetadataReader();

        var documentCount = reader.Documents.Count;
        var withSource = reader.CustomDebugInformation
            .Select(reader.GetCustomDebugInformation)
            .Where(c => c.Parent.Kind == HandleKind.Document && reader.GetGuid(c.Kind) == EmbeddedSourceKind)
            .Select(c => reader.GetString(reader.GetDocument((DocumentHandle)c.Parent).Name))
            .ToList();

        withSource.Should().Contain(name => name.EndsWith("ResilientWebSocket.cs", StringComparison.Ordinal));
        withSource.Should().HaveCount(documentCount, "EmbedAllSources puts every compiled file into the PDB");
    }

    [Fact]
    public void SourceLink_is_in_the_pdb_exactly_when_the_build_knew_the_repository_url_and_maps_to_it()
    {
        var assembly = typeof(ResilientWebSocket).Assembly;
        var repositoryUrl = assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "RepositoryUrl")?.Value;
        using var pdb = OpenPdb(assembly);
        var reader = pdb.GetMetadataReader();

        var sourceLink = reader.GetCustomDebugInformation(EntityHandle.ModuleDefinition)
            .Select(reader.GetCustomDebugInformation)
            .Where(c => reader.GetGuid(c.Kind) == SourceLinkKind)
            .Select(c => reader.GetBlobBytes(c.Value))
            .SingleOrDefault();

        if (string.IsNullOrEmpty(repositoryUrl))
        {
            // A clone without a remote and no -p:RepositoryUrl: no URL to link to, and the README says so.
            sourceLink.Should().BeNull();
            return;
        }

        sourceLink.Should().NotBeNull("the build knew the repository URL {0}", repositoryUrl);
        using var json = JsonDocument.Parse(sourceLink);
        var targets = json.RootElement.GetProperty("documents").EnumerateObject().Select(p => p.Value.GetString()!).ToList();
        targets.Should().NotBeEmpty();
        var ownerAndName = new Uri(repositoryUrl!).AbsolutePath.Trim('/').Replace(".git", string.Empty, StringComparison.Ordinal);
        targets.Should().OnlyContain(t => t.StartsWith("https://", StringComparison.Ordinal) && t.Contains(ownerAndName, StringComparison.OrdinalIgnoreCase) && t.EndsWith("*", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ResilientSockets", "T:ResilientSockets.ResilientWebSocket")]
    [InlineData("ResilientSockets.Extensions.DependencyInjection", "T:Microsoft.Extensions.DependencyInjection.ResilientWebSocketServiceCollectionExtensions")]
    public void The_netstandard20_xml_docs_describe_the_api_without_polyfill_internals(string project, string expectedMember)
    {
        var xml = Path.Combine(RepositoryRoot(), "src", project, "bin", Configuration, "netstandard2.0", project + ".xml");
        File.Exists(xml).Should().BeTrue("the netstandard2.0 build ({0}) is part of the solution build; build ResilientSockets.sln first", xml);

        var members = XDocument.Load(xml).Descendants("member").Select(m => (string)m.Attribute("name")!).ToList();

        members.Should().Contain(expectedMember);
        members.Should().NotContain(id => PolyfillNamespaces.Any(ns => id.Substring(2).StartsWith(ns, StringComparison.Ordinal)));
    }

    [Fact]
    public void Every_package_carries_its_own_readme_with_absolute_links_only()
    {
        foreach (var project in new[] { "ResilientSockets", "ResilientSockets.Extensions.DependencyInjection", "ResilientSockets.Testing" })
        {
            var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "src", project, "README.md"));
            readme.Should().StartWith("# " + project);
            var links = System.Text.RegularExpressions.Regex.Matches(readme, @"\]\(([^)]*)\)").Select(m => m.Groups[1].Value).ToList();
            links.Should().OnlyContain(l => l.StartsWith("https://", StringComparison.Ordinal), "{0}'s README is read on a package gallery, where relative links break", project);
            readme.Should().NotContain("dotnet run --project", "'Try it' commands belong to the repository README");
        }
    }

    private static string Configuration =>
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    private static MetadataReaderProvider OpenPdb(Assembly assembly)
    {
        var path = Path.ChangeExtension(assembly.Location, ".pdb");
        File.Exists(path).Should().BeTrue("the PDB is copied next to the assembly");
        return MetadataReaderProvider.FromPortablePdbStream(File.OpenRead(path));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ResilientSockets.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ResilientSockets.sln not found above " + AppContext.BaseDirectory);
    }
}
