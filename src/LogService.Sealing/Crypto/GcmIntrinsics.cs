using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using AesNi = System.Runtime.Intrinsics.X86.Aes;

namespace LogService.Sealing.Crypto;

/// <summary>
/// AES-256-GCM (NIST SP 800-38D, 96-bit nonce, 128-bit tag) on AES-NI and PCLMULQDQ. It exists because every
/// entry has its own key: the platform cipher must create and key a native context per entry, which costs
/// several times the encryption itself, while expanding a key here takes a few dozen instructions and
/// allocates nothing. Tests check it against <see cref="AesGcm"/> byte for byte. GHASH follows Gueron and
/// Kounavis, "Intel Carry-Less Multiplication Instruction and its Usage for Computing the GCM Mode".
/// </summary>
internal static class GcmIntrinsics
{
    private const int BlockSize = 16;
    private const int Rounds = 14;

    public static bool IsSupported => AesNi.IsSupported && Pclmulqdq.IsSupported && Ssse3.IsSupported;

    private static Vector128<byte> ByteReverse => Vector128.Create((byte)15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);

    public static void Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> aad, Span<byte> ciphertext, Span<byte> tag)
    {
        var roundKeys = default(RoundKeys);
        ExpandKey(key, ref roundKeys);
        Span<byte> counter = stackalloc byte[BlockSize];
        nonce.CopyTo(counter);
        CounterMode(ref roundKeys, counter, plaintext, ciphertext);
        ComputeTag(ref roundKeys, counter, aad, ciphertext, tag);
        Clear(ref roundKeys);
    }

    public static bool TryDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> aad, Span<byte> plaintext)
    {
        var roundKeys = default(RoundKeys);
        ExpandKey(key, ref roundKeys);
        Span<byte> counter = stackalloc byte[BlockSize];
        Span<byte> expected = stackalloc byte[BlockSize];
        nonce.CopyTo(counter);
        ComputeTag(ref roundKeys, counter, aad, ciphertext, expected);
        var authentic = CryptographicOperations.FixedTimeEquals(expected, tag);
        if (authentic)
        {
            // Release plaintext only once the tag is known to be right.
            CounterMode(ref roundKeys, counter, ciphertext, plaintext);
        }

        Clear(ref roundKeys);
        return authentic;
    }

    /// <summary>AES-256 key schedule (Intel AES-NI white paper, figure 25).</summary>
    private static void ExpandKey(ReadOnlySpan<byte> key, ref RoundKeys roundKeys)
    {
        var low = Vector128.Create(key[..BlockSize]);
        var high = Vector128.Create(key.Slice(BlockSize, BlockSize));
        roundKeys[0] = low;
        roundKeys[1] = high;

        // The round constant must be an immediate operand, hence one line per round pair.
        roundKeys[2] = low = ExpandLow(low, AesNi.KeygenAssist(high, 0x01));
        roundKeys[3] = high = ExpandHigh(high, AesNi.KeygenAssist(low, 0));
        roundKeys[4] = low = ExpandLow(low, AesNi.KeygenAssist(high, 0x02));
        roundKeys[5] = high = ExpandHigh(high, AesNi.KeygenAssist(low, 0));
        roundKeys[6] = low = ExpandLow(low, AesNi.KeygenAssist(high, 0x04));
        roundKeys[7] = high = ExpandHigh(high, AesNi.KeygenAssist(low, 0));
        roundKeys[8] = low = ExpandLow(low, AesNi.KeygenAssist(high, 0x08));
        roundKeys[9] = high = ExpandHigh(high, AesNi.KeygenAssist(low, 0));
        roundKeys[10] = low = ExpandLow(low, AesNi.KeygenAssist(high, 0x10));
        roundKeys[11] = high = ExpandHigh(high, AesNi.KeygenAssist(low, 0));
        roundKeys[12] = low = ExpandLow(low, AesNi.KeygenAssist(high, 0x20));
        roundKeys[13] = ExpandHigh(high, AesNi.KeygenAssist(low, 0));
        roundKeys[14] = ExpandLow(low, AesNi.KeygenAssist(roundKeys[13], 0x40));
    }

    private static Vector128<byte> ExpandLow(Vector128<byte> previous, Vector128<byte> assist)
    {
        var broadcast = Sse2.Shuffle(assist.AsInt32(), 0xFF).AsByte();
        return SlideXor(previous) ^ broadcast;
    }

    private static Vector128<byte> ExpandHigh(Vector128<byte> previous, Vector128<byte> assist)
    {
        var broadcast = Sse2.Shuffle(assist.AsInt32(), 0xAA).AsByte();
        return SlideXor(previous) ^ broadcast;
    }

    /// <summary>x ^ (x &lt;&lt; 32) ^ (x &lt;&lt; 64) ^ (x &lt;&lt; 96): each word xored with all words before it.</summary>
    private static Vector128<byte> SlideXor(Vector128<byte> value)
    {
        var shifted = Sse2.ShiftLeftLogical128BitLane(value, 4);
        value ^= shifted;
        shifted = Sse2.ShiftLeftLogical128BitLane(shifted, 4);
        value ^= shifted;
        shifted = Sse2.ShiftLeftLogical128BitLane(shifted, 4);
        return value ^ shifted;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> EncryptBlock(ref RoundKeys roundKeys, Vector128<byte> block)
    {
        block ^= roundKeys[0];
        for (var round = 1; round < Rounds; round++)
        {
            block = AesNi.Encrypt(block, roundKeys[round]);
        }

        return AesNi.EncryptLast(block, roundKeys[Rounds]);
    }

    /// <summary>CTR with counters 2, 3, ... after J0 = nonce ‖ 1; <paramref name="counter"/> holds the nonce in its first 12 bytes.</summary>
    private static void CounterMode(ref RoundKeys roundKeys, Span<byte> counter, ReadOnlySpan<byte> input, Span<byte> output)
    {
        uint blockNumber = 2;
        var offset = 0;

        // Four blocks at a time: AES rounds have a latency of several cycles but issue every cycle, so
        // interleaving independent blocks keeps the unit busy.
        counter[12..].Clear();
        var nonce = Vector128.Create((ReadOnlySpan<byte>)counter);
        for (; input.Length - offset >= 4 * BlockSize; offset += 4 * BlockSize, blockNumber += 4)
        {
            var b0 = nonce | CounterWord(blockNumber);
            var b1 = nonce | CounterWord(blockNumber + 1);
            var b2 = nonce | CounterWord(blockNumber + 2);
            var b3 = nonce | CounterWord(blockNumber + 3);
            var key = roundKeys[0];
            b0 ^= key;
            b1 ^= key;
            b2 ^= key;
            b3 ^= key;
            for (var round = 1; round < Rounds; round++)
            {
                key = roundKeys[round];
                b0 = AesNi.Encrypt(b0, key);
                b1 = AesNi.Encrypt(b1, key);
                b2 = AesNi.Encrypt(b2, key);
                b3 = AesNi.Encrypt(b3, key);
            }

            key = roundKeys[Rounds];
            var block = input.Slice(offset, 4 * BlockSize);
            var target = output.Slice(offset, 4 * BlockSize);
            (AesNi.EncryptLast(b0, key) ^ Vector128.Create(block[..BlockSize])).CopyTo(target);
            (AesNi.EncryptLast(b1, key) ^ Vector128.Create(block.Slice(BlockSize, BlockSize))).CopyTo(target[BlockSize..]);
            (AesNi.EncryptLast(b2, key) ^ Vector128.Create(block.Slice(2 * BlockSize, BlockSize))).CopyTo(target[(2 * BlockSize)..]);
            (AesNi.EncryptLast(b3, key) ^ Vector128.Create(block.Slice(3 * BlockSize, BlockSize))).CopyTo(target[(3 * BlockSize)..]);
        }

        Span<byte> keystream = stackalloc byte[BlockSize];
        while (offset < input.Length)
        {
            var stream = EncryptBlock(ref roundKeys, nonce | CounterWord(blockNumber++));
            var remaining = input.Length - offset;
            if (remaining >= BlockSize)
            {
                (Vector128.Create(input.Slice(offset, BlockSize)) ^ stream).CopyTo(output.Slice(offset, BlockSize));
                offset += BlockSize;
                continue;
            }

            stream.CopyTo(keystream);
            for (var i = 0; i < remaining; i++)
            {
                output[offset + i] = (byte)(input[offset + i] ^ keystream[i]);
            }

            CryptographicOperations.ZeroMemory(keystream);
            offset += remaining;
        }
    }

    /// <summary>The 32-bit big-endian block counter in the last four bytes of a block, zero elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> CounterWord(uint blockNumber) =>
        Vector128.Create(0u, 0u, 0u, BinaryPrimitives.ReverseEndianness(blockNumber)).AsByte();

    /// <summary>T = E_K(J0) xor GHASH_H(A, C) with H = E_K(0).</summary>
    private static void ComputeTag(ref RoundKeys roundKeys, Span<byte> counter, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertext, Span<byte> tag)
    {
        var reverse = ByteReverse;
        var hashKey = Ssse3.Shuffle(EncryptBlock(ref roundKeys, Vector128<byte>.Zero), reverse);
        var state = Vector128<byte>.Zero;
        state = Absorb(state, hashKey, aad);
        state = Absorb(state, hashKey, ciphertext);
        Span<byte> lengths = stackalloc byte[BlockSize];
        BinaryPrimitives.WriteUInt64BigEndian(lengths, (ulong)aad.Length * 8);
        BinaryPrimitives.WriteUInt64BigEndian(lengths[8..], (ulong)ciphertext.Length * 8);
        state = Multiply(state ^ Ssse3.Shuffle(Vector128.Create((ReadOnlySpan<byte>)lengths), reverse), hashKey);

        BinaryPrimitives.WriteUInt32BigEndian(counter[12..], 1);
        var mask = EncryptBlock(ref roundKeys, Vector128.Create((ReadOnlySpan<byte>)counter));
        (Ssse3.Shuffle(state, reverse) ^ mask).CopyTo(tag);
    }

    private static Vector128<byte> Absorb(Vector128<byte> state, Vector128<byte> hashKey, ReadOnlySpan<byte> data)
    {
        var reverse = ByteReverse;
        var offset = 0;
        for (; offset + BlockSize <= data.Length; offset += BlockSize)
        {
            state = Multiply(state ^ Ssse3.Shuffle(Vector128.Create(data.Slice(offset, BlockSize)), reverse), hashKey);
        }

        if (offset < data.Length)
        {
            Span<byte> last = stackalloc byte[BlockSize];
            last.Clear();
            data[offset..].CopyTo(last);
            state = Multiply(state ^ Ssse3.Shuffle(Vector128.Create((ReadOnlySpan<byte>)last), reverse), hashKey);
        }

        return state;
    }

    /// <summary>Multiplication in GF(2^128) of byte-reflected operands, with the shift-left-by-one reduction.</summary>
    private static Vector128<byte> Multiply(Vector128<byte> a, Vector128<byte> b)
    {
        var x = a.AsUInt64();
        var y = b.AsUInt64();
        var low = Pclmulqdq.CarrylessMultiply(x, y, 0x00).AsUInt32();
        var middle = (Pclmulqdq.CarrylessMultiply(x, y, 0x10) ^ Pclmulqdq.CarrylessMultiply(x, y, 0x01)).AsByte();
        var high = Pclmulqdq.CarrylessMultiply(x, y, 0x11).AsUInt32();
        low ^= Sse2.ShiftLeftLogical128BitLane(middle, 8).AsUInt32();
        high ^= Sse2.ShiftRightLogical128BitLane(middle, 8).AsUInt32();

        // Shift the 256-bit product left by one bit.
        var lowCarry = Sse2.ShiftRightLogical(low, 31);
        var highCarry = Sse2.ShiftRightLogical(high, 31);
        low = Sse2.ShiftLeftLogical(low, 1);
        high = Sse2.ShiftLeftLogical(high, 1);
        var crossCarry = Sse2.ShiftRightLogical128BitLane(lowCarry.AsByte(), 12).AsUInt32();
        highCarry = Sse2.ShiftLeftLogical128BitLane(highCarry.AsByte(), 4).AsUInt32();
        lowCarry = Sse2.ShiftLeftLogical128BitLane(lowCarry.AsByte(), 4).AsUInt32();
        low |= lowCarry;
        high |= highCarry | crossCarry;

        // Reduce modulo x^128 + x^7 + x^2 + x + 1.
        var first = Sse2.ShiftLeftLogical(low, 31) ^ Sse2.ShiftLeftLogical(low, 30) ^ Sse2.ShiftLeftLogical(low, 25);
        var carried = Sse2.ShiftRightLogical128BitLane(first.AsByte(), 4).AsUInt32();
        low ^= Sse2.ShiftLeftLogical128BitLane(first.AsByte(), 12).AsUInt32();
        var second = Sse2.ShiftRightLogical(low, 1) ^ Sse2.ShiftRightLogical(low, 2) ^ Sse2.ShiftRightLogical(low, 7) ^ carried;
        return (high ^ low ^ second).AsByte();
    }

    private static void Clear(ref RoundKeys roundKeys) =>
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes((Span<Vector128<byte>>)roundKeys));

    [InlineArray(Rounds + 1)]
    private struct RoundKeys
    {
        private Vector128<byte> _first;
    }
}
