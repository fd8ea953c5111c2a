using LogService.Replication;

namespace LogService.Replication.Tests.Support;

/// <summary>Replica key pairs, generated once per group size and shared by all tests.</summary>
public static class TestKeys
{
    private static readonly Dictionary<int, (byte[] Private, byte[] Public)[]> Cache = [];

    public static (byte[] Private, byte[] Public)[] For(int n)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(n, out var keys))
            {
                keys = [.. Enumerable.Range(0, n).Select(_ => ReplicaKeys.Generate())];
                Cache[n] = keys;
            }

            return keys;
        }
    }

    public static ReplicationOptions Options(int n, int self = -1, Func<ReplicationOptions, ReplicationOptions>? tweak = null)
    {
        var keys = For(n);
        var options = new ReplicationOptions
        {
            ReplicaCount = n,
            ReplicaPublicKeys = [.. keys.Select(k => k.Public)],
            SigningKey = self >= 0 ? keys[self].Private : null,
        };
        return tweak is null ? options : tweak(options);
    }
}
