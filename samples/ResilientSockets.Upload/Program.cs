// A chunked file upload with a live progress bar. The embedded server reassembles into a temporary file with the
// public ChunkReassembler and drops the connection once mid-way; the upload resumes by itself from the last
// acknowledged chunk. The remaining time comes from the transfer's own measured rate.
using System.Net.WebSockets;
using System.Security.Cryptography;
using ResilientSockets;
using ResilientSockets.Testing;
using Spectre.Console;

var source = Path.Combine(Path.GetTempPath(), $"upload-{Guid.NewGuid():N}.bin");
var target = Path.Combine(Path.GetTempPath(), $"received-{Guid.NewGuid():N}.bin");
await using (var file = File.Create(source))
{
    var block = new byte[1 << 20];
    for (var i = 0; i < 48; i++)
    {
        Random.Shared.NextBytes(block);
        await file.WriteAsync(block);
    }
}

await using var server = await LoopbackWebSocketServer.StartAsync();
await using var reassembler = new ChunkReassembler(new ChunkedTransferOptions
{
    SinkFactory = (_, _, _) => ValueTask.FromResult<Stream>(new FileStream(target, FileMode.Create, FileAccess.ReadWrite)),
});
var frames = 0;
var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
server.Map("/upload", new ServerRoute
{
    RecordMessages = false,
    OnMessage = async (connection, message) =>
    {
        var done = await reassembler.ProcessAsync(message.Data, (reply, ct) => new ValueTask(connection.SendAsync(reply.ToArray(), WebSocketMessageType.Binary, ct)));
        if (done is not null)
        {
            received.TrySetResult(Convert.ToHexString(await SHA256.HashDataAsync(done.Content)));
            await done.DisposeAsync();
        }
        else if (Interlocked.Increment(ref frames) == 300)
        {
            connection.Abort(); // a network blip mid-upload
        }
    },
});

await using var client = new ResilientWebSocket(new ResilientWebSocketOptions
{
    Uri = server.GetUri("/upload"),
    Reconnect = { Delay = TimeSpan.FromMilliseconds(200) },
    Framing = new ChunkedTransferOptions(),
});

// The latest report, read by the state handler to say where the upload stood when the link dropped and came back.
var latestGate = new object();
TransferProgress latest = default;
TransferProgress Latest()
{
    lock (latestGate)
    {
        return latest;
    }
}

var opens = 0;
client.StateChanged += (_, e) =>
{
    if (e.State == ConnectionState.Reconnecting)
    {
        AnsiConsole.MarkupLine($"[yellow]connection lost at {Describe(Latest())} acknowledged; reconnecting[/]");
    }
    else if (e.State == ConnectionState.Open && Interlocked.Increment(ref opens) > 1)
    {
        AnsiConsole.MarkupLine($"[green]reconnected: the upload resumed after chunk {Latest().ChunksAcknowledged}, the last one acknowledged[/]");
    }
};
await client.StartAsync();

var interactive = AnsiConsole.Profile.Capabilities.Interactive;
var length = new FileInfo(source).Length;
await AnsiConsole.Progress()
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn())
    .StartAsync(async context =>
    {
        var task = context.AddTask("uploading 48 MiB", maxValue: length);
        var nextQuarter = 1;
        await using var file = File.OpenRead(source);

        // Reported synchronously, in order (Progress<T> would post each report to the thread pool, out of order).
        await client.SendTransferAsync(file, new ChunkMetadata { Name = "upload.bin" }, new Reporter(p =>
        {
            lock (latestGate)
            {
                latest = p;
            }

            task.Value = p.BytesAcknowledged;
            task.Description = $"uploading 48 MiB, {Remaining(p)} left";
            if (!interactive && p.BytesAcknowledged * 4 >= length * nextQuarter && nextQuarter < 4)
            {
                // No live bar when the output is redirected: a line per quarter instead.
                AnsiConsole.MarkupLine($"{Describe(p)} acknowledged, {Remaining(p)} left");
                nextQuarter++;
            }
        }));
        task.Description = "uploaded 48 MiB";
        task.Value = task.MaxValue;
    });

var sent = Convert.ToHexString(await SHA256.HashDataAsync(File.OpenRead(source)));
var got = await received.Task.WaitAsync(TimeSpan.FromSeconds(30));
AnsiConsole.MarkupLine(sent == got ? $"[green]server verified SHA-256 {got[..16]}…[/]" : "[red]hash mismatch[/]");
File.Delete(source);
File.Delete(target);
return sent == got ? 0 : 1;

static string Describe(TransferProgress p) => $"{p.BytesAcknowledged / (1024.0 * 1024):0.0} of {p.TotalBytes / (1024.0 * 1024):0} MiB (chunk {p.ChunksAcknowledged} of {p.TotalChunks})";

// What is left at the average rate so far (which includes the time spent reconnecting).
static string Remaining(TransferProgress p) => p.BytesPerSecond > 0
    ? $"{TimeSpan.FromSeconds((p.TotalBytes - p.BytesAcknowledged) / p.BytesPerSecond).TotalSeconds:0.0} s"
    : "? s";

internal sealed class Reporter(Action<TransferProgress> report) : IProgress<TransferProgress>
{
    public void Report(TransferProgress value) => report(value);
}
