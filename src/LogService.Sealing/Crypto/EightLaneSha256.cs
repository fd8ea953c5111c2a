using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LogService.Sealing.Crypto;

/// <summary>
/// Up to eight independent SHA-256 computations at once, one per 32-bit lane of a 256-bit vector. Verification
/// recomputes, for every entry, a link over a few hundred bytes and an HMAC over 32: each is cheap in the CPU's
/// SHA instructions but the call into the platform costs several times the hashing, so hashing eight entries'
/// messages side by side in managed code is faster. Messages arrive already padded (<see cref="Pad"/>) and may
/// differ in length and starting state (an HMAC continues from its key's pad). The chain also uses it for the four
/// single blocks that depend only on A_j (<see cref="CompressFromInitialState"/>). Tests check every lane against
/// <see cref="System.Security.Cryptography.SHA256"/>.
/// </summary>
internal static class EightLaneSha256
{
    public const int Lanes = 8;
    public const int BlockSize = 64;

    /// <summary>The SHA-256 initial state, one lane's eight words.</summary>
    public static ReadOnlySpan<uint> InitialState =>
        [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

    /// <summary>
    /// Appends SHA-256 padding to the <paramref name="length"/> bytes at the start of <paramref name="lane"/> for a
    /// message that continues <paramref name="precedingBytes"/> already hashed, and returns the padded block count.
    /// </summary>
    public static int Pad(Span<byte> lane, int length, int precedingBytes = 0)
    {
        var blocks = (length + 8) / BlockSize + 1;
        var padded = lane[..(blocks * BlockSize)];
        padded[length] = 0x80;
        padded[(length + 1)..^8].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(padded[^8..], (ulong)(length + precedingBytes) * 8);
        return blocks;
    }

    /// <summary>
    /// Hashes lane i's <paramref name="blockCounts"/>[i] padded blocks at <paramref name="messages"/>[i * stride]
    /// starting from <paramref name="states"/>[i * 8 ..], and writes its digest to <paramref name="digests"/>[i * 32 ..].
    /// A lane with zero blocks is left out (its digest is not written).
    /// </summary>
    public static void Hash(ReadOnlySpan<byte> messages, int stride, ReadOnlySpan<int> blockCounts, ReadOnlySpan<uint> states, Span<byte> digests)
    {
        Span<Vector256<uint>> state = stackalloc Vector256<uint>[8];
        for (var word = 0; word < 8; word++)
        {
            state[word] = Vector256.Create(
                states[word], states[8 + word], states[16 + word], states[24 + word],
                states[32 + word], states[40 + word], states[48 + word], states[56 + word]);
        }

        var maxBlocks = 0;
        for (var lane = 0; lane < blockCounts.Length; lane++)
        {
            maxBlocks = Math.Max(maxBlocks, blockCounts[lane]);
        }

        Span<uint> active = stackalloc uint[Lanes];
        for (var block = 0; block < maxBlocks; block++)
        {
            for (var lane = 0; lane < Lanes; lane++)
            {
                active[lane] = lane < blockCounts.Length && block < blockCounts[lane] ? uint.MaxValue : 0;
            }

            // A finished lane reads its first block again and keeps its state; the work is wasted but stays in step.
            var mask = Vector256.Create<uint>(active);
            Compress(state, messages, stride, blockCounts, block, mask);
        }

        for (var lane = 0; lane < blockCounts.Length; lane++)
        {
            if (blockCounts[lane] == 0)
            {
                continue;
            }

            for (var word = 0; word < 8; word++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(digests[((lane * 32) + (word * 4))..], state[word].GetElement(lane));
            }
        }
    }

    /// <summary>
    /// Compresses one 64-byte block per lane (<paramref name="lanes"/> of them, back to back in <paramref name="blocks"/>)
    /// from the SHA-256 initial state and writes each lane's eight state words to <paramref name="states"/>[lane * 8 ..].
    /// </summary>
    public static void CompressFromInitialState(ReadOnlySpan<byte> blocks, int lanes, Span<uint> states)
    {
        Span<Vector256<uint>> state = stackalloc Vector256<uint>[8];
        var initial = InitialState;
        for (var word = 0; word < 8; word++)
        {
            state[word] = Vector256.Create(initial[word]);
        }

        Span<int> blockCounts = stackalloc int[lanes];
        blockCounts.Fill(1);
        Compress(state, blocks, BlockSize, blockCounts, 0, Vector256<uint>.AllBitsSet);
        for (var lane = 0; lane < lanes; lane++)
        {
            for (var word = 0; word < 8; word++)
            {
                states[(lane * 8) + word] = state[word].GetElement(lane);
            }
        }

        state.Clear();
    }

    private static void Compress(Span<Vector256<uint>> state, ReadOnlySpan<byte> messages, int stride, ReadOnlySpan<int> blockCounts, int block, Vector256<uint> active)
    {
        Span<int> offsets = stackalloc int[Lanes];
        for (var lane = 0; lane < Lanes; lane++)
        {
            var inLane = lane < blockCounts.Length && block < blockCounts[lane] ? block : 0;
            offsets[lane] = lane < blockCounts.Length ? (lane * stride) + (inLane * BlockSize) : 0;
        }

        Span<Vector256<uint>> w = stackalloc Vector256<uint>[64];
        for (var t = 0; t < 16; t++)
        {
            w[t] = Vector256.Create(
                BinaryPrimitives.ReadUInt32BigEndian(messages[(offsets[0] + (t * 4))..]),
                BinaryPrimitives.ReadUInt32BigEndian(messages[(offsets[1] + (t * 4))..]),
                BinaryPrimitives.ReadUInt32BigEndian(messages[(offsets[2] + (t * 4))..]),
                BinaryPrimitives.ReadUInt32BigEndian(messages[(offsets[3] + (t * 4))..]),
                BinaryPrimitives.ReadUInt32BigEndian(messages[(offsets[4] + (t * 4))..]),
                BinaryPrimitives.ReadUInt32BigEndian(messages[(offsets[5] + (t * 4))..]),
                BinaryPrimitives.ReadUInt32BigEndian(messages[(offsets[6] + (t * 4))..]),
                BinaryPrimitives.ReadUInt32BigEndian(messages[(offsets[7] + (t * 4))..]));
        }

        for (var t = 16; t < 64; t++)
        {
            var w15 = w[t - 15];
            var w2 = w[t - 2];
            var s0 = Rotate(w15, 7) ^ Rotate(w15, 18) ^ Vector256.ShiftRightLogical(w15, 3);
            var s1 = Rotate(w2, 17) ^ Rotate(w2, 19) ^ Vector256.ShiftRightLogical(w2, 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }

        Vector256<uint> a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6], h = state[7];
        var k = ShortSha256.RoundConstantsSpan;
        for (var t = 0; t < 64; t++)
        {
            var t1 = h + (Rotate(e, 6) ^ Rotate(e, 11) ^ Rotate(e, 25)) + (g ^ (e & (f ^ g))) + Vector256.Create(k[t]) + w[t];
            var t2 = (Rotate(a, 2) ^ Rotate(a, 13) ^ Rotate(a, 22)) + ((a & b) | (c & (a | b)));
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }

        state[0] = Vector256.ConditionalSelect(active, state[0] + a, state[0]);
        state[1] = Vector256.ConditionalSelect(active, state[1] + b, state[1]);
        state[2] = Vector256.ConditionalSelect(active, state[2] + c, state[2]);
        state[3] = Vector256.ConditionalSelect(active, state[3] + d, state[3]);
        state[4] = Vector256.ConditionalSelect(active, state[4] + e, state[4]);
        state[5] = Vector256.ConditionalSelect(active, state[5] + f, state[5]);
        state[6] = Vector256.ConditionalSelect(active, state[6] + g, state[6]);
        state[7] = Vector256.ConditionalSelect(active, state[7] + h, state[7]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate(Vector256<uint> x, [ConstantExpected] byte bits) =>
        Avx512F.VL.IsSupported
            ? Avx512F.VL.RotateRight(x, bits)
            : Vector256.ShiftRightLogical(x, bits) | Vector256.ShiftLeft(x, 32 - bits);
}
