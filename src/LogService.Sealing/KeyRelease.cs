using System.Security.Cryptography;
using LogService.Sealing.Crypto;
using LogService.Sealing.Format;

namespace LogService.Sealing;

/// <summary>
/// What the key holder (T, or auditors who recombined A_0) gives a reviewer: K_j for the entries whose
/// permission mask W_j shares a bit with the reviewer's mask, over a range. Never A_j, from which every later key follows.
/// </summary>
public static class KeyRelease
{
    /// <summary>
    /// Derives K_j for entries <paramref name="firstSequence"/> .. firstSequence + entryMasks.Length - 1, where
    /// <paramref name="entryMasks"/>[i] is the stored W of entry firstSequence + i, keeping those with
    /// <c>(W_j &amp; readerMask) != 0</c>. A W that was misreported yields a key that decrypts nothing.
    /// </summary>
    /// <param name="initialSecret">A_0.</param>
    /// <param name="firstSequence">The first sequence of the range.</param>
    /// <param name="entryMasks">W_j of each entry in the range, in order.</param>
    /// <param name="readerMask">The reader classes the reviewer belongs to.</param>
    /// <param name="rotationSecrets">Successor secrets keyed by rotation entry sequence, when the stream was re-keyed.</param>
    public static ReleasedKeys Derive(
        ReadOnlySpan<byte> initialSecret,
        long firstSequence,
        ReadOnlySpan<ulong> entryMasks,
        ulong readerMask,
        IReadOnlyDictionary<long, byte[]>? rotationSecrets = null)
    {
        if (initialSecret.Length != EntryFormat.KeySize)
        {
            throw new ArgumentException($"A_0 must be {EntryFormat.KeySize} bytes", nameof(initialSecret));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(firstSequence);
        rotationSecrets ??= new Dictionary<long, byte[]>();
        Span<byte> secret = stackalloc byte[EntryFormat.KeySize];
        initialSecret.CopyTo(secret);
        var keys = new Dictionary<long, byte[]>();
        var hasher = new ChainHasher();
        try
        {
            for (long j = 0; j < firstSequence; j++)
            {
                Advance(hasher, secret, j, rotationSecrets);
            }

            for (var i = 0; i < entryMasks.Length; i++)
            {
                var sequence = firstSequence + i;
                if (PermissionMasks.MayRead(entryMasks[i], readerMask))
                {
                    var key = new byte[EntryFormat.KeySize];
                    hasher.DeriveEncryptionKey(entryMasks[i], secret, key);
                    keys.Add(sequence, key);
                }

                Advance(hasher, secret, sequence, rotationSecrets);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }

        return new ReleasedKeys(keys);
    }

    /// <summary>A_{j+1}: the evolved secret, or the successor secret when entry j was a rotation.</summary>
    internal static void Advance(ChainHasher hasher, Span<byte> secret, long sequence, IReadOnlyDictionary<long, byte[]> rotationSecrets)
    {
        if (rotationSecrets.TryGetValue(sequence, out var next))
        {
            next.CopyTo(secret);
        }
        else
        {
            hasher.Evolve(secret);
        }
    }
}
