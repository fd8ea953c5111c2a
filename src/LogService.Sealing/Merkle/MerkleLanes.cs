using System.Buffers;
using LogService.Sealing.Crypto;

namespace LogService.Sealing.Merkle;

/// <summary>
/// RFC 6962 leaf and interior hashes for many nodes at once, eight side by side (<see cref="EightLaneSha256"/>). The
/// leaves a batch appends, and the interior nodes they complete level by level, do not depend on one another; one
/// call into the platform per 400-byte leaf or 65-byte node costs more than hashing it, so lanes are faster.
/// </summary>
internal static class MerkleLanes
{
    private const int Lanes = EightLaneSha256.Lanes;
    private const int PairMessage = 1 + (2 * MerkleHash.Size);
    private const int PairStride = 2 * EightLaneSha256.BlockSize;

    /// <summary>Writes the leaf hash of each of <paramref name="leaves"/> to <paramref name="digests"/>, 32 bytes each, in order.</summary>
    public static void HashLeaves(IReadOnlyList<byte[]> leaves, Span<byte> digests)
    {
        Span<uint> states = stackalloc uint[Lanes * 8];
        FillInitialStates(states);
        Span<int> blocks = stackalloc int[Lanes];
        var buffer = ArrayPool<byte>.Shared.Rent(Lanes * 1024);
        try
        {
            for (var first = 0; first < leaves.Count; first += Lanes)
            {
                var lanes = Math.Min(Lanes, leaves.Count - first);
                var longest = 0;
                for (var lane = 0; lane < lanes; lane++)
                {
                    longest = Math.Max(longest, leaves[first + lane].Length);
                }

                var stride = PaddedLength(longest + 1);
                if (buffer.Length < Lanes * stride)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(Lanes * stride);
                }

                for (var lane = 0; lane < lanes; lane++)
                {
                    var message = buffer.AsSpan(lane * stride, stride);
                    var leaf = leaves[first + lane];
                    message[0] = 0x00;
                    leaf.CopyTo(message[1..]);
                    blocks[lane] = EightLaneSha256.Pad(message, leaf.Length + 1);
                }

                EightLaneSha256.Hash(buffer, stride, blocks[..lanes], states, digests.Slice(first * MerkleHash.Size, lanes * MerkleHash.Size));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Writes the parent of each pair of adjacent nodes in <paramref name="nodes"/> (2m hashes) to
    /// <paramref name="parents"/> (m hashes), in order.
    /// </summary>
    public static void HashPairs(ReadOnlySpan<byte> nodes, Span<byte> parents)
    {
        Span<uint> states = stackalloc uint[Lanes * 8];
        FillInitialStates(states);
        Span<int> blocks = stackalloc int[Lanes];
        Span<byte> messages = stackalloc byte[Lanes * PairStride];
        var pairs = nodes.Length / (2 * MerkleHash.Size);
        for (var first = 0; first < pairs; first += Lanes)
        {
            var lanes = Math.Min(Lanes, pairs - first);
            for (var lane = 0; lane < lanes; lane++)
            {
                var message = messages.Slice(lane * PairStride, PairStride);
                message[0] = 0x01;
                nodes.Slice((first + lane) * 2 * MerkleHash.Size, 2 * MerkleHash.Size).CopyTo(message[1..]);
                blocks[lane] = EightLaneSha256.Pad(message, PairMessage);
            }

            EightLaneSha256.Hash(messages, PairStride, blocks[..lanes], states, parents.Slice(first * MerkleHash.Size, lanes * MerkleHash.Size));
        }
    }

    private static int PaddedLength(int messageLength) => ((messageLength + 8) / EightLaneSha256.BlockSize + 1) * EightLaneSha256.BlockSize;

    private static void FillInitialStates(Span<uint> states)
    {
        for (var lane = 0; lane < Lanes; lane++)
        {
            EightLaneSha256.InitialState.CopyTo(states[(lane * 8)..]);
        }
    }
}
