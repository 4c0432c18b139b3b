using FluentAssertions;
using Xunit;

namespace ResilientSockets.Tests.Docs;

/// <summary>
/// Every C# block in README.md (and in the packages' own README.md files, if any) compiles as written, so the
/// examples cannot rot when the API changes.
/// </summary>
public sealed class ReadmeSnippetTests
{
    private static readonly Lazy<IReadOnlyDictionary<string, MarkdownCodeBlock>> Blocks = new(FindBlocks);

    public static TheoryData<string> BlockLocations()
    {
        var data = new TheoryData<string>();
        foreach (var location in Blocks.Value.Keys)
        {
            data.Add(location);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BlockLocations))]
    public void Every_csharp_block_in_the_readmes_compiles_as_written(string location)
    {
        var diagnostics = SnippetCompiler.Compile(Blocks.Value[location]);

        if (diagnostics.Count > 0)
        {
            Assert.Fail($"The C# block at {location} does not compile as written:\n{string.Join('\n', diagnostics)}");
        }
    }

    [Fact]
    public void The_readme_has_csharp_blocks_to_check()
    {
        // Guards the extraction itself: a broken fence parser would otherwise make the theory above vacuous.
        Blocks.Value.Keys.Should().Contain(key => key.StartsWith("README.md:", StringComparison.Ordinal))
            .And.HaveCountGreaterThanOrEqualTo(3);
    }

    [Fact]
    public void A_block_with_an_undefined_name_fails_with_the_markdown_line()
    {
        var markdown = "# Title\n\n```csharp\nusing ResilientSockets;\n\nConsole.WriteLine(tokens);\n```\n";
        var block = MarkdownCodeBlock.Extract("DOC.md", markdown).Single();

        var diagnostics = SnippetCompiler.Compile(block);

        diagnostics.Should().ContainSingle().Which.Should().StartWith("DOC.md:6: error CS0103");
    }

    [Fact]
    public void A_fragment_compiles_inside_the_method_its_first_line_names()
    {
        var markdown = """
            ```csharp
            // fragment: inside static async Task RunAsync(ResilientWebSocket client, CancellationToken ct)
            using ResilientSockets;

            await client.SendTextAsync("hello", ct);
            ```

            ```csharp
            // fragment: inside static async Task RunAsync(ResilientWebSocket client, CancellationToken ct)
            using ResilientSockets;

            await client.SendTextAsync(42, ct);
            ```
            """;
        var blocks = MarkdownCodeBlock.Extract("DOC.md", markdown);

        SnippetCompiler.Compile(blocks[0]).Should().BeEmpty();
        SnippetCompiler.Compile(blocks[1]).Should().ContainSingle().Which.Should().StartWith("DOC.md:12: error CS1503");
    }

    [Fact]
    public void A_warning_fails_a_block_too()
    {
        var block = MarkdownCodeBlock.Extract("DOC.md", "```csharp\nstring? name = null;\nConsole.WriteLine(name.Length);\n```").Single();

        SnippetCompiler.Compile(block).Should().ContainSingle().Which.Should().StartWith("DOC.md:3: warning CS8602");
    }

    private static IReadOnlyDictionary<string, MarkdownCodeBlock> FindBlocks()
    {
        var root = Interop.NodePeer.RepositoryRoot();
        var files = new[] { Path.Combine(root, "README.md") }
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "src"), "README.md", SearchOption.AllDirectories)
                .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    && !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal));
        return files
            .SelectMany(path => MarkdownCodeBlock.Extract(Path.GetRelativePath(root, path).Replace('\\', '/'), File.ReadAllText(path)))
            .ToDictionary(block => block.Location);
    }
}
