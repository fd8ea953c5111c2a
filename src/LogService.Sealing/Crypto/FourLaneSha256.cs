using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LogService.Sealing.Crypto;

/// <summary>
/// Four independent single-block SHA-256 compressions at once, one per 32-bit SIMD lane. Per entry the chain
/// needs four such blocks that depend only on A_j (K_j, A_{j+1}, and the HMAC key's inner and outer pads), so
/// computing them side by side costs little more than one. Tests check every lane against <see cref="ShortSha256"/>.
/// </summary>
internal static class FourLaneSha256
{
    public const int Lanes = 4;
    public const int BlockSize = 64;

    private static ReadOnlySpan<uint> InitialState =>
        [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

    /// <summary>
    /// Compresses <paramref name="blocks"/> (four 64-byte blocks, lane by lane) from the SHA-256 initial state
    /// and writes each lane's eight state words to <paramref name="states"/>[lane * 8 ..].
    /// </summary>
    public static void CompressFromInitialState(ReadOnlySpan<byte> blocks, Span<uint> states)
    {
        Span<Vector128<uint>> w = stackalloc Vector128<uint>[64];
        for (var t = 0; t < 16; t++)
        {
            w[t] = Vector128.Create(
                BinaryPrimitives.ReadUInt32BigEndian(blocks[(t * 4)..]),
                BinaryPrimitives.ReadUInt32BigEndian(blocks[(BlockSize + (t * 4))..]),
                BinaryPrimitives.ReadUInt32BigEndian(blocks[((2 * BlockSize) + (t * 4))..]),
                BinaryPrimitives.ReadUInt32BigEndian(blocks[((3 * BlockSize) + (t * 4))..]));
        }

        for (var t = 16; t < 64; t++)
        {
            var w15 = w[t - 15];
            var w2 = w[t - 2];
            var s0 = Rotate(w15, 7) ^ Rotate(w15, 18) ^ Vector128.ShiftRightLogical(w15, 3);
            var s1 = Rotate(w2, 17) ^ Rotate(w2, 19) ^ Vector128.ShiftRightLogical(w2, 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }

        var initial = InitialState;
        Vector128<uint> a = Vector128.Create(initial[0]), b = Vector128.Create(initial[1]), c = Vector128.Create(initial[2]), d = Vector128.Create(initial[3]);
        Vector128<uint> e = Vector128.Create(initial[4]), f = Vector128.Create(initial[5]), g = Vector128.Create(initial[6]), h = Vector128.Create(initial[7]);
        var k = ShortSha256.RoundConstantsSpan;
        for (var t = 0; t < 64; t++)
        {
            var t1 = h + (Rotate(e, 6) ^ Rotate(e, 11) ^ Rotate(e, 25)) + (g ^ (e & (f ^ g))) + Vector128.Create(k[t]) + w[t];
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

        Span<Vector128<uint>> result = [a, b, c, d, e, f, g, h];
        for (var word = 0; word < 8; word++)
        {
            var sum = result[word] + Vector128.Create(initial[word]);
            for (var lane = 0; lane < Lanes; lane++)
            {
                states[(lane * 8) + word] = sum.GetElement(lane);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Rotate(Vector128<uint> x, int bits) =>
        Vector128.ShiftRightLogical(x, bits) | Vector128.ShiftLeft(x, 32 - bits);
}
