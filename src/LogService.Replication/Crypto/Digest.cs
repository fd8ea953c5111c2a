using System.Security.Cryptography;

namespace LogService.Replication.Crypto;

/// <summary>SHA-256 digests of values and checkpoints.</summary>
internal static class Digest
{
    public const int Size = 32;

    public static byte[] Of(ReadOnlySpan<byte> data) => SHA256.HashData(data);

    public static bool Equal(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => a.SequenceEqual(b);

    public static string Short(ReadOnlySpan<byte> d) => d.Length < 4 ? "-" : Convert.ToHexString(d[..4]);
}
