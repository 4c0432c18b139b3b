using ResilientSockets.Testing;

namespace ResilientSockets.Tests.Framing;

internal static class FrameTestHelpers
{
    public static byte[] Data(int length, int seed = 1)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    public static string Sha256(ReadOnlySpan<byte> data) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(data));

    public static async Task<string> Sha256Async(Stream stream)
    {
        using var sha = System.Security.Cryptography.SHA256.Create();
        return Convert.ToHexString(await sha.ComputeHashAsync(stream));
    }

    /// <summary>All frames of a transfer, produced by the public splitter.</summary>
    public static async Task<List<byte[]>> FramesAsync(byte[] data, int chunkSize, ChunkMetadata? metadata = null, Guid? id = null)
    {
        var splitter = new ChunkSplitter(new MemoryStream(data), data.Length, chunkSize, metadata, id);
        var buffer = new byte[splitter.MaxFrameLength];
        var frames = new List<byte[]>();
        while (splitter.NextChunkId < splitter.TotalChunks)
        {
            var length = await splitter.ReadFrameAsync(buffer);
            frames.Add(buffer.AsSpan(0, length).ToArray());
        }

        return frames;
    }

    /// <summary>A server route that reassembles transfers with the public reassembler (as an ASP.NET Core endpoint would) and reports each as a text message.</summary>
    public static ServerRoute ReceivingRoute(ChunkReassembler reassembler, Action<IncomingTransfer>? onCompleted = null) => new()
    {
        OnMessage = async (connection, message) =>
        {
            if (message.MessageType != System.Net.WebSockets.WebSocketMessageType.Binary)
            {
                return;
            }

            try
            {
                var done = await reassembler.ProcessAsync(message.Data, (reply, ct) => new ValueTask(connection.SendAsync(reply.ToArray(), System.Net.WebSockets.WebSocketMessageType.Binary, ct)));
                if (done is not null)
                {
                    var hash = await Sha256Async(done.Content);
                    onCompleted?.Invoke(done);
                    await connection.SendTextAsync($"received {done.Id} {done.Length} {hash} {done.Metadata?.Name}");
                }
            }
            catch (ChunkFrameException)
            {
                // The reassembler already failed that transfer and told the sender.
            }
        },
    };
}
