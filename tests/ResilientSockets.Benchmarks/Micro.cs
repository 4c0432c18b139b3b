using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;

namespace ResilientSockets.Benchmarks;

internal static class Micro
{
    public static int Run(string[] args)
    {
        BenchmarkSwitcher.FromAssembly(typeof(Micro).Assembly).Run(args);
        return 0;
    }
}

/// <summary>Framing encode/decode per 64 KiB chunk: must not allocate.</summary>
[MemoryDiagnoser]
public class FramingBenchmarks
{
    private readonly byte[] _payload = new byte[64 * 1024];
    private readonly byte[] _frame = new byte[ChunkFrameCodec.HeaderSize + (64 * 1024)];
    private readonly Guid _id = Guid.NewGuid();

    [GlobalSetup]
    public void Setup()
    {
        new Random(1).NextBytes(_payload);
        Encode();
    }

    [Benchmark]
    public int Encode() => ChunkFrameCodec.Encode(new ChunkFrameHeader(ChunkFrameKind.Data, _id, 3, 10, 64 * 1024), _payload, _frame);

    [Benchmark]
    public uint Decode() => ChunkFrameCodec.Decode(_frame, out _).ChunkId;
}
