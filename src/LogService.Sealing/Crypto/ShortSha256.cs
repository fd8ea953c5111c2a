using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace LogService.Sealing.Crypto;

/// <summary>
/// SHA-256 (FIPS 180-4) in managed code, for the chain's short inputs: deriving K_j, evolving A_j and the
/// HMAC, one or two blocks each. For inputs that short, the call into the platform library costs more than
/// the hashing, so this is faster; long inputs still go to the platform, which uses the CPU's SHA
/// instructions. Tests check it against <see cref="SHA256"/>. Not thread-safe; the buffer is zeroed after
/// each digest because it held secret input.
/// </summary>
internal sealed class ShortSha256
{
    private static readonly uint[] RoundConstants =
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    /// <summary>The 64 round constants, shared with <see cref="EightLaneSha256"/>.</summary>
    internal static ReadOnlySpan<uint> RoundConstantsSpan => RoundConstants;

    private readonly uint[] _state = new uint[8];
    private readonly uint[] _schedule = new uint[64];
    private readonly byte[] _buffer = new byte[64];
    private int _buffered;
    private long _length;

    public ShortSha256() => Reset();

    public void Append(ReadOnlySpan<byte> data)
    {
        _length += data.Length;
        if (_buffered > 0)
        {
            var take = Math.Min(data.Length, 64 - _buffered);
            data[..take].CopyTo(_buffer.AsSpan(_buffered));
            _buffered += take;
            data = data[take..];
            if (_buffered < 64)
            {
                return;
            }

            Compress(_buffer);
            _buffered = 0;
        }

        while (data.Length >= 64)
        {
            Compress(data[..64]);
            data = data[64..];
        }

        data.CopyTo(_buffer);
        _buffered = data.Length;
    }

    /// <summary>Continues a message whose first <paramref name="processedBytes"/> (whole blocks) left <paramref name="state"/>.</summary>
    public void Resume(ReadOnlySpan<uint> state, int processedBytes)
    {
        state[..8].CopyTo(_state);
        _buffered = 0;
        _length = processedBytes;
    }

    /// <summary>Writes the digest and resets for the next message.</summary>
    public void Finish(Span<byte> digest)
    {
        var bitLength = (ulong)_length * 8;
        _buffer[_buffered++] = 0x80;
        if (_buffered > 56)
        {
            _buffer.AsSpan(_buffered).Clear();
            Compress(_buffer);
            _buffered = 0;
        }

        _buffer.AsSpan(_buffered, 56 - _buffered).Clear();
        BinaryPrimitives.WriteUInt64BigEndian(_buffer.AsSpan(56), bitLength);
        Compress(_buffer);
        for (var i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(digest[(i * 4)..], _state[i]);
        }

        CryptographicOperations.ZeroMemory(_buffer);
        Array.Clear(_schedule);
        Reset();
    }

    private void Reset()
    {
        _state[0] = 0x6a09e667;
        _state[1] = 0xbb67ae85;
        _state[2] = 0x3c6ef372;
        _state[3] = 0xa54ff53a;
        _state[4] = 0x510e527f;
        _state[5] = 0x9b05688c;
        _state[6] = 0x1f83d9ab;
        _state[7] = 0x5be0cd19;
        _buffered = 0;
        _length = 0;
    }

    private void Compress(ReadOnlySpan<byte> block)
    {
        // Element access through references skips the bounds checks the JIT cannot prove away here,
        // and the rounds are unrolled by eight so the working variables rotate by name instead of by copying.
        ref var w = ref MemoryMarshal.GetArrayDataReference(_schedule);
        ref var k = ref MemoryMarshal.GetArrayDataReference(RoundConstants);
        for (var i = 0; i < 16; i++)
        {
            Unsafe.Add(ref w, i) = BinaryPrimitives.ReadUInt32BigEndian(block[(i * 4)..]);
        }

        for (var i = 16; i < 64; i++)
        {
            var w15 = Unsafe.Add(ref w, i - 15);
            var w2 = Unsafe.Add(ref w, i - 2);
            var s0 = BitOperations.RotateRight(w15, 7) ^ BitOperations.RotateRight(w15, 18) ^ (w15 >> 3);
            var s1 = BitOperations.RotateRight(w2, 17) ^ BitOperations.RotateRight(w2, 19) ^ (w2 >> 10);
            Unsafe.Add(ref w, i) = Unsafe.Add(ref w, i - 16) + s0 + Unsafe.Add(ref w, i - 7) + s1;
        }

        uint a = _state[0], b = _state[1], c = _state[2], d = _state[3], e = _state[4], f = _state[5], g = _state[6], h = _state[7];
        for (var i = 0; i < 64; i += 8)
        {
            h += Sigma1(e) + Choose(e, f, g) + Unsafe.Add(ref k, i) + Unsafe.Add(ref w, i);
            d += h;
            h += Sigma0(a) + Majority(a, b, c);
            g += Sigma1(d) + Choose(d, e, f) + Unsafe.Add(ref k, i + 1) + Unsafe.Add(ref w, i + 1);
            c += g;
            g += Sigma0(h) + Majority(h, a, b);
            f += Sigma1(c) + Choose(c, d, e) + Unsafe.Add(ref k, i + 2) + Unsafe.Add(ref w, i + 2);
            b += f;
            f += Sigma0(g) + Majority(g, h, a);
            e += Sigma1(b) + Choose(b, c, d) + Unsafe.Add(ref k, i + 3) + Unsafe.Add(ref w, i + 3);
            a += e;
            e += Sigma0(f) + Majority(f, g, h);
            d += Sigma1(a) + Choose(a, b, c) + Unsafe.Add(ref k, i + 4) + Unsafe.Add(ref w, i + 4);
            h += d;
            d += Sigma0(e) + Majority(e, f, g);
            c += Sigma1(h) + Choose(h, a, b) + Unsafe.Add(ref k, i + 5) + Unsafe.Add(ref w, i + 5);
            g += c;
            c += Sigma0(d) + Majority(d, e, f);
            b += Sigma1(g) + Choose(g, h, a) + Unsafe.Add(ref k, i + 6) + Unsafe.Add(ref w, i + 6);
            f += b;
            b += Sigma0(c) + Majority(c, d, e);
            a += Sigma1(f) + Choose(f, g, h) + Unsafe.Add(ref k, i + 7) + Unsafe.Add(ref w, i + 7);
            e += a;
            a += Sigma0(b) + Majority(b, c, d);
        }

        _state[0] += a;
        _state[1] += b;
        _state[2] += c;
        _state[3] += d;
        _state[4] += e;
        _state[5] += f;
        _state[6] += g;
        _state[7] += h;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Sigma0(uint x) => BitOperations.RotateRight(x, 2) ^ BitOperations.RotateRight(x, 13) ^ BitOperations.RotateRight(x, 22);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Sigma1(uint x) => BitOperations.RotateRight(x, 6) ^ BitOperations.RotateRight(x, 11) ^ BitOperations.RotateRight(x, 25);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Choose(uint x, uint y, uint z) => z ^ (x & (y ^ z));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Majority(uint x, uint y, uint z) => (x & y) | (z & (x | y));
}
