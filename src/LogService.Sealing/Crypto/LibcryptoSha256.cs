using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace LogService.Sealing.Crypto;

/// <summary>
/// SHA-256 of one message through OpenSSL's low-level functions on a context on the stack, for the hash links: one
/// per sealed entry, a few hundred bytes each, in chain order so they cannot share lanes. <see cref="SHA256.HashData(ReadOnlySpan{byte}, Span{byte})"/>
/// reaches the same CPU SHA instructions but creates and frees an EVP context and clears OpenSSL's error queue per
/// call, which costs about three times the hashing of such a message. Where libcrypto 3 cannot be loaded, or does
/// not give the platform's digest for a known set of inputs at first use, the platform's SHA-256 is used.
/// </summary>
internal static class LibcryptoSha256
{
    private const string Library = "libcrypto.so.3";

    /// <summary>True when hashing goes straight to libcrypto; false when it falls back to the platform's SHA-256.</summary>
    public static bool IsNative { get; } = OperatingSystem.IsLinux() && AgreesWithPlatform();

    /// <summary>Writes SHA-256(<paramref name="message"/>) to <paramref name="digest"/> (32 bytes).</summary>
    public static void HashData(ReadOnlySpan<byte> message, Span<byte> digest)
    {
        if (!IsNative)
        {
            SHA256.HashData(message, digest);
            return;
        }

        HashNative(message, digest);
    }

    private static void HashNative(ReadOnlySpan<byte> message, Span<byte> digest)
    {
        if (digest.Length < SHA256.HashSizeInBytes)
        {
            throw new ArgumentException("the digest needs 32 bytes", nameof(digest));
        }

        var context = default(Context);
        if (Init(ref context) != 1
            || Update(ref context, ref MemoryMarshal.GetReference(message), (nuint)message.Length) != 1
            || Final(ref MemoryMarshal.GetReference(digest), ref context) != 1)
        {
            throw new CryptographicException("libcrypto's SHA-256 failed");
        }
    }

    private static bool AgreesWithPlatform()
    {
        try
        {
            var message = new byte[1000];
            for (var i = 0; i < message.Length; i++)
            {
                message[i] = (byte)(i * 31);
            }

            Span<byte> native = stackalloc byte[SHA256.HashSizeInBytes];
            foreach (var length in (ReadOnlySpan<int>)[0, 3, 55, 56, 64, 119, 1000])
            {
                HashNative(message.AsSpan(0, length), native);
                if (!native.SequenceEqual(SHA256.HashData(message.AsSpan(0, length))))
                {
                    return false;
                }
            }

            return true;
        }
        catch (Exception)
        {
            // Whatever stops the library from loading or answering (missing, another version, a failed call) leaves the
            // platform's SHA-256 in charge; failing here would make the type, and so all sealing, unusable.
            return false;
        }
    }

    /// <summary>Room for OpenSSL's SHA256_CTX (112 bytes on every platform it builds for), with margin.</summary>
    [InlineArray(32)]
    private struct Context
    {
        private uint _word;
    }

    // DllImport rather than LibraryImport: the latter's generated marshalling needs unsafe code enabled. Every argument
    // is a blittable ref, pinned for the call, so nothing is copied.
    [DllImport(Library, EntryPoint = "SHA256_Init")]
    private static extern int Init(ref Context context);

    [DllImport(Library, EntryPoint = "SHA256_Update")]
    private static extern int Update(ref Context context, ref byte data, nuint length);

    [DllImport(Library, EntryPoint = "SHA256_Final")]
    private static extern int Final(ref byte digest, ref Context context);
}
