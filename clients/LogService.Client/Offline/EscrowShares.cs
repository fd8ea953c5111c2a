using LogService.Sealing;
using LogService.Sealing.Escrow;

namespace LogService.Client.Offline;

/// <summary>Auditor shares of a stream's A_0, as the service hands them out (base64 of the share encoding).</summary>
public static class EscrowShares
{
    /// <summary>
    /// Rebuilds A_0 from at least k shares. Throws <see cref="ShareIntegrityException"/> when there are too few, one is
    /// damaged, or they do not combine to the committed secret; never returns a wrong secret.
    /// </summary>
    public static byte[] Combine(IEnumerable<string> base64Shares)
    {
        ArgumentNullException.ThrowIfNull(base64Shares);
        var shares = new List<ShamirShare>();
        foreach (var text in base64Shares)
        {
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(text.Trim());
            }
            catch (FormatException e)
            {
                throw new ShareIntegrityException($"share {shares.Count + 1} is not base64: {e.Message}");
            }

            try
            {
                shares.Add(ShamirShare.Decode(bytes));
            }
            catch (SealedEntryFormatException e)
            {
                throw new ShareIntegrityException($"share {shares.Count + 1} is {e.Message}");
            }
        }

        return ShamirSecretSharing.Combine(shares);
    }

    /// <summary>Splits a secret locally into <paramref name="m"/> shares, any <paramref name="k"/> of which rebuild it.</summary>
    public static IReadOnlyList<string> Split(ReadOnlySpan<byte> secret, int k, int m) =>
        [.. ShamirSecretSharing.Split(secret, k, m, SystemRandomSource.Instance).Select(s => Convert.ToBase64String(s.Encode()))];
}
