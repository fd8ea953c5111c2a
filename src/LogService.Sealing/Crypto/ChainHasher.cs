using System.Buffers.Binary;
using System.Security.Cryptography;
using LogService.Sealing.Format;

namespace LogService.Sealing.Crypto;

/// <summary>
/// The hash chain's primitives (DESIGN §6) on one reusable SHA-256 context: reusing the context avoids
/// allocating a native digest context per call, which costs more than hashing a short input. Not thread-safe:
/// each thread uses its own instance.
/// </summary>
internal sealed class ChainHasher : IDisposable
{
    private const int HmacBlockSize = 64;
    private static ReadOnlySpan<byte> EncryptLabel => "encrypt"u8;
    private static ReadOnlySpan<byte> EvolveLabel => "evolve"u8;

    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>K_j = H("encrypt" ‖ W_j ‖ A_j).</summary>
    public void DeriveEncryptionKey(ulong mask, ReadOnlySpan<byte> secret, Span<byte> key)
    {
        Span<byte> maskBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(maskBytes, mask);
        _sha256.AppendData(EncryptLabel);
        _sha256.AppendData(maskBytes);
        _sha256.AppendData(secret);
        _sha256.GetHashAndReset(key);
    }

    /// <summary>A_{j+1} = H("evolve" ‖ A_j), overwriting A_j in place so the old secret is gone.</summary>
    public void Evolve(Span<byte> secret)
    {
        _sha256.AppendData(EvolveLabel);
        _sha256.AppendData(secret);
        _sha256.GetHashAndReset(secret);
    }

    /// <summary>Y_j = H(Y_{j-1} ‖ header_j ‖ C_j ‖ W_j), where C_j is the ciphertext followed by its tag.</summary>
    public void ComputeLink(ReadOnlySpan<byte> previousLink, ReadOnlySpan<byte> header, ReadOnlySpan<byte> sealedBody, ulong mask, Span<byte> link)
    {
        Span<byte> maskBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(maskBytes, mask);
        _sha256.AppendData(previousLink);
        _sha256.AppendData(header);
        _sha256.AppendData(sealedBody);
        _sha256.AppendData(maskBytes);
        _sha256.GetHashAndReset(link);
    }

    /// <summary>Z_j = HMAC-SHA256 keyed by A_j over Y_j (RFC 2104, computed on the reused context).</summary>
    public void ComputeMac(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> link, Span<byte> mac)
    {
        Span<byte> pad = stackalloc byte[HmacBlockSize];
        Span<byte> inner = stackalloc byte[EntryFormat.HashSize];
        PadKey(secret, pad, 0x36);
        _sha256.AppendData(pad);
        _sha256.AppendData(link);
        _sha256.GetHashAndReset(inner);
        PadKey(secret, pad, 0x5c);
        _sha256.AppendData(pad);
        _sha256.AppendData(inner);
        _sha256.GetHashAndReset(mac);
        CryptographicOperations.ZeroMemory(pad);
    }

    /// <summary>Plain SHA-256 of one input.</summary>
    public void Hash(ReadOnlySpan<byte> data, Span<byte> digest)
    {
        _sha256.AppendData(data);
        _sha256.GetHashAndReset(digest);
    }

    public void Dispose() => _sha256.Dispose();

    private static void PadKey(ReadOnlySpan<byte> key, Span<byte> pad, byte fill)
    {
        pad.Fill(fill);
        for (var i = 0; i < key.Length; i++)
        {
            pad[i] ^= key[i];
        }
    }
}
