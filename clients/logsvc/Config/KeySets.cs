using System.Security.Cryptography;
using LogService.Client.Trust;

namespace LogService.Cli.Config;

/// <summary>Comparing and naming replica key sets, so a user can tell a pinned set from a swapped one.</summary>
internal static class KeySets
{
    /// <summary>A short fingerprint of n, f and every replica's id, signing key and key-service role (SHA-256, first 16 bytes).</summary>
    public static string Fingerprint(ReplicaKeySet keys)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.ASCII.GetBytes($"n={keys.N};f={keys.F};"));
        foreach (var replica in keys.Replicas.OrderBy(r => r.Id))
        {
            hash.AppendData(System.Text.Encoding.ASCII.GetBytes($"{replica.Id}:{replica.KeyService}:"));
            hash.AppendData(replica.SigningKey);
        }

        return string.Join(':', Convert.ToHexStringLower(hash.GetHashAndReset().AsSpan(0, 16)).Chunk(4).Select(c => new string(c)));
    }

    /// <summary>Every way <paramref name="published"/> differs from <paramref name="pinned"/> (empty when they are the same set).</summary>
    public static IReadOnlyList<string> Differences(ReplicaKeySet pinned, ReplicaKeySet published)
    {
        var differences = new List<string>();
        if (pinned.N != published.N || pinned.F != published.F)
        {
            differences.Add($"n={published.N} f={published.F} instead of n={pinned.N} f={pinned.F}");
        }

        var now = published.Replicas.ToDictionary(r => r.Id);
        foreach (var replica in pinned.Replicas)
        {
            if (!now.Remove(replica.Id, out var other))
            {
                differences.Add($"replica {replica.Id} is missing");
            }
            else if (!other.SigningKey.AsSpan().SequenceEqual(replica.SigningKey))
            {
                differences.Add($"replica {replica.Id} has another signing key");
            }
            else if (other.KeyService != replica.KeyService)
            {
                differences.Add($"replica {replica.Id} {(other.KeyService ? "now claims" : "no longer claims")} the key service");
            }
        }

        differences.AddRange(now.Keys.Order().Select(id => $"replica {id} is not pinned"));
        return differences;
    }
}
