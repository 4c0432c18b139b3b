namespace ResilientSockets.Tests.Docs;

/// <summary>One fenced ```csharp block of a markdown file, with the line its code starts on (1-based).</summary>
public sealed record MarkdownCodeBlock(string File, int Line, string Code)
{
    /// <summary>The location as an editor understands it, e.g. <c>README.md:40</c>.</summary>
    public string Location => $"{File}:{Line}";

    /// <summary>Every ```csharp (or ```cs / ```c#) block in <paramref name="markdown"/>, in order.</summary>
    public static IReadOnlyList<MarkdownCodeBlock> Extract(string file, string markdown)
    {
        var blocks = new List<MarkdownCodeBlock>();
        var lines = markdown.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var fence = lines[i].TrimStart();
            if (!fence.StartsWith("```", StringComparison.Ordinal))
            {
                continue;
            }

            var language = fence[3..].Trim();
            var end = Array.FindIndex(lines, i + 1, line => line.TrimStart().StartsWith("```", StringComparison.Ordinal));
            if (end < 0)
            {
                throw new InvalidOperationException($"{file}:{i + 1}: a code fence is never closed.");
            }

            if (language is "csharp" or "cs" or "c#")
            {
                blocks.Add(new MarkdownCodeBlock(file, i + 2, string.Join('\n', lines[(i + 1)..end])));
            }

            // Skip the block's body: a ``` inside it belongs to it, and other languages' blocks are not C#.
            i = end;
        }

        return blocks;
    }
}
