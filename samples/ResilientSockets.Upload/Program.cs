// A chunked file upload with a live progress bar. The embedded server reassembles into a temporary file with the
// public ChunkReassembler and drops the connection once mid-way; the upload resumes by itself.
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
client.StateChanged += (_, e) => { if (e.State == ConnectionState.Reconnecting) AnsiConsole.MarkupLine("[yellow]connection lost; the upload will resume[/]"); };
await client.StartAsync();

await AnsiConsole.Progress()
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
    .StartAsync(async context =>
    {
        var task = context.AddTask("uploading 48 MiB", maxValue: new FileInfo(source).Length);
        await using var file = File.OpenRead(source);
        await client.SendTransferAsync(file, new ChunkMetadata { Name = "upload.bin" }, new Progress<TransferProgress>(p => task.Value = p.BytesAcknowledged));
        task.Value = task.MaxValue;
    });

var sent = Convert.ToHexString(await SHA256.HashDataAsync(File.OpenRead(source)));
var got = await received.Task.WaitAsync(TimeSpan.FromSeconds(30));
AnsiConsole.MarkupLine(sent == got ? $"[green]server verified SHA-256 {got[..16]}…[/]" : "[red]hash mismatch[/]");
File.Delete(source);
File.Delete(target);
return sent == got ? 0 : 1;
