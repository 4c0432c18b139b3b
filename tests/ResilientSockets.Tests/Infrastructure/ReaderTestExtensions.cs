namespace ResilientSockets.Tests.Infrastructure;

internal static class ReaderTestExtensions
{
    /// <summary>Reads up to <paramref name="count"/> messages as text, giving up (with what it has) after the signal timeout.</summary>
    public static async Task<List<string>> TakeTextsAsync(this WebSocketMessageReader reader, int count)
    {
        var seen = new List<string>();
        using var cts = new CancellationTokenSource(TestTimeouts.Signal);
        await foreach (var message in reader.ReadAllAsync(cts.Token))
        {
            seen.Add(message.Text);
            if (seen.Count == count)
            {
                break;
            }
        }

        return seen;
    }
}
