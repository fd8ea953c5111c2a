using System.Buffers;
using System.Security.Cryptography;
using LogService.Sealing.Crypto;

namespace LogService.Sealing.Merkle;

/// <summary>RFC 6962 §2.1 hashing: leaves are H(0x00 ‖ data), interior nodes H(0x01 ‖ left ‖ right).</summary>
public static class MerkleHash
{
    /// <summary>Length of every Merkle hash.</summary>
    public const int Size = 32;

    /// <summary>The root of the empty tree: SHA-256 of the empty string.</summary>
    public static byte[] EmptyRoot() => SHA256.HashData(ReadOnlySpan<byte>.Empty);

    /// <summary>Writes the leaf hash of <paramref name="data"/> (for a stream, a sealed entry's canonical encoding).</summary>
    public static void HashLeaf(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        // One contiguous input is one call into libcrypto; short leaves stay on the stack.
        const int StackLimit = 1024;
        var rented = data.Length < StackLimit ? null : ArrayPool<byte>.Shared.Rent(data.Length + 1);
        var input = rented is null ? stackalloc byte[StackLimit] : rented;
        input[0] = 0x00;
        data.CopyTo(input[1..]);
        LibcryptoSha256.HashData(input[..(data.Length + 1)], destination);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The leaf hash of <paramref name="data"/>.</summary>
    public static byte[] HashLeaf(ReadOnlySpan<byte> data)
    {
        var digest = new byte[Size];
        HashLeaf(data, digest);
        return digest;
    }

    /// <summary>Writes the interior node hash of two children.</summary>
    public static void HashChildren(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[1 + (2 * Size)];
        input[0] = 0x01;
        left.CopyTo(input[1..]);
        right.CopyTo(input[(1 + Size)..]);
        LibcryptoSha256.HashData(input, destination);
    }
}
