namespace LogService.Sealing.Crypto;

/// <summary>Placeholder until the hardware AES-GCM path lands: reports unsupported so the platform cipher is used.</summary>
internal static class GcmIntrinsics
{
    public static bool IsSupported => false;

    public static void Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> aad, Span<byte> ciphertext, Span<byte> tag) =>
        throw new PlatformNotSupportedException();

    public static bool TryDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> aad, Span<byte> plaintext) =>
        throw new PlatformNotSupportedException();
}
