using LogService.Sealing.Crypto;
using LogService.Sealing.Format;

namespace LogService.Sealing;

/// <summary>Decrypts stored entries with released keys.</summary>
public static class EntryDecryptor
{
    /// <summary>
    /// Decrypts and authenticates the body of an encoded entry into <paramref name="plaintext"/> (at least the
    /// ciphertext's length). False when the keys do not cover the entry, the bytes are malformed, or authentication fails.
    /// </summary>
    public static bool TryDecrypt(ReadOnlySpan<byte> encodedEntry, ReleasedKeys keys, Span<byte> plaintext, out int bytesWritten)
    {
        ArgumentNullException.ThrowIfNull(keys);
        bytesWritten = 0;
        if (!EntryLayout.TryParse(encodedEntry, out var layout, out _)
            || !keys.TryGetKey(layout.Sequence, out var key)
            || plaintext.Length < layout.CiphertextLength)
        {
            return false;
        }

        var output = plaintext[..layout.CiphertextLength];
        if (!EntryCipher.TryDecrypt(key, layout.Sequence, layout.Ciphertext(encodedEntry), layout.Tag(encodedEntry), layout.Header(encodedEntry), output))
        {
            output.Clear();
            return false;
        }

        bytesWritten = layout.CiphertextLength;
        return true;
    }

    /// <summary>Decrypts a decoded entry's body, or returns null when it cannot be read with these keys.</summary>
    public static byte[]? Decrypt(SealedEntry entry, ReleasedKeys keys)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var plaintext = new byte[entry.Ciphertext.Length];
        return TryDecrypt(entry.Encoded.Span, keys, plaintext, out _) ? plaintext : null;
    }
}
