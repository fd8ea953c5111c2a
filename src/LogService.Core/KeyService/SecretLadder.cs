using System.Security.Cryptography;
using LogService.Sealing;

namespace LogService.Core.KeyService;

/// <summary>
/// Rungs A_0, A_s, A_2s, … (s = <see cref="Spacing"/>) of one stream's secret chain, kept in T's memory only, so
/// the secret of entry j costs at most s - 1 evolutions from the rung below it instead of j. Rungs are computed on
/// first need and never written anywhere. At 1,024 entries a rung a stream of 10M entries keeps about 9,800
/// rungs (some 550 KB with array headers) and a page's key release walks about 500 evolutions to its first entry.
/// </summary>
internal sealed class SecretLadder : IDisposable
{
    /// <summary>Entries between rungs.</summary>
    public const int Spacing = 1024;

    private readonly List<byte[]> _rungs;
    private readonly Lock _gate = new();

    public SecretLadder(ReadOnlySpan<byte> initialSecret) => _rungs = [initialSecret.ToArray()];

    /// <summary>Copies the rung at or below <paramref name="sequence"/> into <paramref name="secret"/> and returns its sequence.</summary>
    public long RungAtOrBelow(long sequence, Span<byte> secret)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        var index = checked((int)(sequence / Spacing));
        lock (_gate)
        {
            while (_rungs.Count <= index)
            {
                var next = (byte[])_rungs[^1].Clone();
                for (var i = 0; i < Spacing; i++)
                {
                    Evolve(next);
                }

                _rungs.Add(next);
            }

            _rungs[index].CopyTo(secret);
        }

        return (long)index * Spacing;
    }

    /// <summary>A_{j+1} = H("evolve" ‖ A_j), in place (docs/sealing-format.md).</summary>
    internal static void Evolve(Span<byte> secret)
    {
        Span<byte> input = stackalloc byte[6 + StreamGenesis.SecretSize];
        "evolve"u8.CopyTo(input);
        secret.CopyTo(input[6..]);
        SHA256.HashData(input, secret);
        CryptographicOperations.ZeroMemory(input);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var rung in _rungs)
            {
                CryptographicOperations.ZeroMemory(rung);
            }

            _rungs.Clear();
        }
    }
}
