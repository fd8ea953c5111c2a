using System.Buffers.Binary;
using System.Security.Cryptography;
using LogService.Sealing.Format;

namespace LogService.Sealing.Crypto;

/// <summary>
/// E = AES-256-GCM under the per-entry key K_j, with the nonce derived from j and the clear header as
/// associated data. Every entry has its own key, so a (key, nonce) pair is never reused. Where AES-NI is
/// missing the platform cipher is used instead, which keys a native context (and allocates) per entry.
/// </summary>
internal static class EntryCipher
{
    public static void Encrypt(ReadOnlySpan<byte> key, long sequence, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> header, Span<byte> ciphertext, Span<byte> tag)
    {
        Span<byte> nonce = stackalloc byte[EntryFormat.NonceSize];
        WriteNonce(sequence, nonce);
        if (GcmIntrinsics.IsSupported)
        {
            GcmIntrinsics.Encrypt(key, nonce, plaintext, header, ciphertext, tag);
            return;
        }

        using var aes = new AesGcm(key, EntryFormat.TagSize);
        aes.Encrypt(nonce, plaintext, ciphertext, tag, header);
    }

    /// <summary>Decrypts and authenticates; false when the tag does not match (wrong key or altered bytes).</summary>
    public static bool TryDecrypt(ReadOnlySpan<byte> key, long sequence, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> header, Span<byte> plaintext)
    {
        Span<byte> nonce = stackalloc byte[EntryFormat.NonceSize];
        WriteNonce(sequence, nonce);
        if (GcmIntrinsics.IsSupported)
        {
            return GcmIntrinsics.TryDecrypt(key, nonce, ciphertext, tag, header, plaintext);
        }

        using var aes = new AesGcm(key, EntryFormat.TagSize);
        try
        {
            aes.Decrypt(nonce, ciphertext, tag, plaintext, header);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    /// <summary>Nonce = four zero bytes ‖ j as a big-endian 64-bit integer.</summary>
    internal static void WriteNonce(long sequence, Span<byte> nonce)
    {
        nonce[..4].Clear();
        BinaryPrimitives.WriteInt64BigEndian(nonce[4..], sequence);
    }
}
