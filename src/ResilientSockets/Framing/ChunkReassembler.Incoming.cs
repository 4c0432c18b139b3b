using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using ResilientSockets.Framing;

namespace ResilientSockets;

// The per-transfer state of a reassembler.
public sealed partial class ChunkReassembler
{
    private sealed class Incoming(Guid id, uint totalChunks, uint chunkSize, Stream sink, bool inMemory)
    {
        private readonly ulong[] _received = new ulong[(totalChunks + 63) / 64];
        private readonly Dictionary<uint, uint> _crcs = [];

        public Guid Id { get; } = id;

        public uint TotalChunks { get; } = totalChunks;

        public uint ChunkSize { get; } = chunkSize;

        public Stream Sink { get; } = sink;

        public bool InMemory { get; } = inMemory;

        public ChunkMetadata? Metadata { get; set; }

        public ITimer Timer { get; set; } = null!;

        public ChunkReassembler? Owner { get; set; }

        public Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask>? Reply { get; set; }

        public Dictionary<uint, byte[]> Pending { get; } = [];

        public long PendingBytes { get; set; }

        public long MemoryBytes { get; set; }

        public uint Contiguous { get; private set; }

        public uint ReceivedCount { get; private set; }

        public long Bytes { get; private set; }

        public bool IsReceived(uint chunk) => (_received[chunk / 64] & (1UL << (int)(chunk % 64))) != 0;

        public uint CrcOf(uint chunk) => _crcs.TryGetValue(chunk, out var crc) ? crc : 0;

        public void MarkReceived(uint chunk, uint crc, int length)
        {
            _received[chunk / 64] |= 1UL << (int)(chunk % 64);
            _crcs[chunk] = crc;
            ReceivedCount++;
            Bytes += length;
            while (Contiguous < TotalChunks && IsReceived(Contiguous))
            {
                Contiguous++;
            }
        }
    }
}
