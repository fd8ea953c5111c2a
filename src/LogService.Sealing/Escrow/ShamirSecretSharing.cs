using System.Security.Cryptography;

namespace LogService.Sealing.Escrow;

/// <summary>
/// k-of-m Shamir secret sharing over GF(256), byte by byte, for escrowing a stream's A_0 among auditors:
/// any k shares rebuild it, k-1 reveal nothing about it.
/// </summary>
public static class ShamirSecretSharing
{
    internal const int CommitmentSize = 32;

    /// <summary>Most subsets of surplus shares tried when looking for a consistent k among more than k.</summary>
    private const int MaxSubsetsTried = 10_000;

    /// <summary>Splits <paramref name="secret"/> into <paramref name="shareCount"/> shares, any <paramref name="threshold"/> of which rebuild it.</summary>
    public static IReadOnlyList<ShamirShare> Split(ReadOnlySpan<byte> secret, int threshold, int shareCount, IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (secret.IsEmpty || secret.Length > 255)
        {
            throw new ArgumentException("the secret must be 1..255 bytes", nameof(secret));
        }

        if (threshold < 1 || shareCount < threshold || shareCount > 255)
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), "need 1 <= k <= m <= 255");
        }

        var commitment = Commit(secret);
        var values = new byte[shareCount][];
        for (var s = 0; s < shareCount; s++)
        {
            values[s] = new byte[secret.Length];
        }

        // One random polynomial of degree k-1 per secret byte, with that byte as its constant term.
        Span<byte> coefficients = stackalloc byte[threshold];
        for (var b = 0; b < secret.Length; b++)
        {
            coefficients[0] = secret[b];
            random.Fill(coefficients[1..]);
            for (var s = 0; s < shareCount; s++)
            {
                values[s][b] = Evaluate(coefficients, (byte)(s + 1));
            }
        }

        CryptographicOperations.ZeroMemory(coefficients);
        return [.. values.Select((value, s) => new ShamirShare((byte)threshold, (byte)(s + 1), value, commitment))];
    }

    /// <summary>
    /// Rebuilds the secret from at least k shares. Throws <see cref="ShareIntegrityException"/> when a share is
    /// damaged or the shares do not combine to the committed secret, and never returns a wrong secret.
    /// </summary>
    public static byte[] Combine(IReadOnlyList<ShamirShare> shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        if (shares.Count == 0)
        {
            throw new ArgumentException("no shares given", nameof(shares));
        }

        var first = shares[0];
        foreach (var share in shares)
        {
            if (!share.IsIntact)
            {
                throw new ShareIntegrityException($"share {share.Index} is damaged: its digest does not match its contents");
            }

            if (share.Threshold != first.Threshold || !share.Commitment.SequenceEqual(first.Commitment) || share.Value.Length != first.Value.Length)
            {
                throw new ShareIntegrityException($"share {share.Index} belongs to a different split");
            }
        }

        if (shares.Select(s => s.Index).Distinct().Count() != shares.Count)
        {
            throw new ShareIntegrityException("two shares have the same index");
        }

        if (shares.Count < first.Threshold)
        {
            throw new ShareIntegrityException($"{first.Threshold} shares are needed and only {shares.Count} were given");
        }

        var tried = 0;
        foreach (var subset in Subsets(shares, first.Threshold))
        {
            var secret = Interpolate(subset);
            if (CryptographicOperations.FixedTimeEquals(Commit(secret), first.Commitment))
            {
                return secret;
            }

            CryptographicOperations.ZeroMemory(secret);
            if (++tried == MaxSubsetsTried)
            {
                break;
            }
        }

        throw new ShareIntegrityException("the shares do not combine to the committed secret: at least one share is wrong");
    }

    /// <summary>Lagrange interpolation at x = 0 of the given shares, without any check.</summary>
    internal static byte[] Interpolate(IReadOnlyList<ShamirShare> shares)
    {
        var secret = new byte[shares[0].Value.Length];
        for (var i = 0; i < shares.Count; i++)
        {
            // Lagrange basis at 0: prod over j != i of x_j / (x_j - x_i); subtraction is xor in GF(2^8).
            byte basis = 1;
            for (var j = 0; j < shares.Count; j++)
            {
                if (i != j)
                {
                    var xj = (byte)shares[j].Index;
                    basis = GaloisField256.Multiply(basis, GaloisField256.Divide(xj, GaloisField256.Add(xj, (byte)shares[i].Index)));
                }
            }

            var value = shares[i].Value;
            for (var b = 0; b < secret.Length; b++)
            {
                secret[b] ^= GaloisField256.Multiply(basis, value[b]);
            }
        }

        return secret;
    }

    private static byte Evaluate(ReadOnlySpan<byte> coefficients, byte x)
    {
        byte result = 0;
        for (var i = coefficients.Length - 1; i >= 0; i--)
        {
            result = GaloisField256.Add(GaloisField256.Multiply(result, x), coefficients[i]);
        }

        return result;
    }

    private static byte[] Commit(ReadOnlySpan<byte> secret)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData("shamir-commit"u8);
        hash.AppendData(secret);
        return hash.GetHashAndReset();
    }

    private static IEnumerable<IReadOnlyList<ShamirShare>> Subsets(IReadOnlyList<ShamirShare> shares, int size)
    {
        var chosen = Enumerable.Range(0, size).ToArray();
        while (true)
        {
            yield return [.. chosen.Select(i => shares[i])];
            var position = size - 1;
            while (position >= 0 && chosen[position] == shares.Count - size + position)
            {
                position--;
            }

            if (position < 0)
            {
                yield break;
            }

            chosen[position]++;
            for (var next = position + 1; next < size; next++)
            {
                chosen[next] = chosen[next - 1] + 1;
            }
        }
    }
}
