using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LogService.Core.Policies;

/// <summary>
/// Hashes and checks client secrets for policy files. Format:
/// <c>pbkdf2-sha256:ITERATIONS:SALT_BASE64:HASH_BASE64</c>, so a leaked policy file does not leak secrets.
/// </summary>
public static class ClientSecretHash
{
    private const string Scheme = "pbkdf2-sha256";
    private const int DefaultIterations = 100_000;
    private const int MinimumIterations = 10_000;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    /// <summary>Hashes <paramref name="secret"/> with a fresh random salt.</summary>
    /// <param name="secret">The client secret.</param>
    /// <returns>The hash string to write into a policy file.</returns>
    public static string Create(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(secret, salt, DefaultIterations);
        return string.Join(':', Scheme, DefaultIterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    /// <summary>Checks <paramref name="secret"/> against <paramref name="hash"/> in constant time.</summary>
    /// <param name="secret">The secret a client presented.</param>
    /// <param name="hash">The stored hash.</param>
    /// <returns><see langword="true"/> when they match; <see langword="false"/> also for a malformed hash.</returns>
    public static bool Verify(string secret, string hash)
    {
        if (!TryParse(hash, out var iterations, out var salt, out var expected))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Derive(secret, salt, iterations), expected);
    }

    internal static bool IsWellFormed(string hash) => TryParse(hash, out _, out _, out _);

    private static byte[] Derive(string secret, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(secret), salt, iterations, HashAlgorithmName.SHA256, HashBytes);

    private static bool TryParse(string hash, out int iterations, out byte[] salt, out byte[] expected)
    {
        iterations = 0;
        salt = expected = [];
        var parts = hash.Split(':');
        if (parts.Length != 4 || parts[0] != Scheme
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out iterations)
            || iterations < MinimumIterations)
        {
            return false;
        }

        try
        {
            salt = Convert.FromBase64String(parts[2]);
            expected = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        return salt.Length >= SaltBytes && expected.Length == HashBytes;
    }
}
