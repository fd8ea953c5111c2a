using System.Buffers.Binary;
using System.Security.Cryptography;
using LogService.Sealing;

namespace LogService.Sealing.Tests.Support;

/// <summary>Reproducible randomness: SHA-256 of a seed and a counter.</summary>
internal sealed class DeterministicRandom(int seed) : IRandomSource
{
    private long _counter;

    public void Fill(Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[12];
        Span<byte> block = stackalloc byte[32];
        BinaryPrimitives.WriteInt32BigEndian(input, seed);
        for (var offset = 0; offset < destination.Length; offset += block.Length)
        {
            BinaryPrimitives.WriteInt64BigEndian(input[4..], _counter++);
            SHA256.HashData(input, block);
            block[..Math.Min(block.Length, destination.Length - offset)].CopyTo(destination[offset..]);
        }
    }
}
