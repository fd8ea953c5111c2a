using LogService.Storage;

namespace LogService.Server.Tests.SystemTests;

/// <summary>
/// Compares stopped replicas' SQLite stores byte for byte: the same streams, every sealed entry, each head's count,
/// Y head and Merkle state, and the latest certified heads. Sealer states differ by nature (each replica encrypts its
/// A_j under its own at-rest key) and are not compared. Streams the service keeps writing on its own (the protocol
/// capture, the tenants' audit trails) may be cut at different points when the replicas stop one after another, so
/// for those only the common prefix must be identical.
/// </summary>
internal static class StoreComparison
{
    /// <summary>Null when the stores are identical; otherwise the first difference.</summary>
    public static string? FirstDifference(IReadOnlyList<string> storePaths, Func<string, bool> prefixOnly)
    {
        var stores = storePaths.Select(p => LogStores.OpenSqlite(new SqliteStoreOptions { Path = p, Sync = SyncPolicy.Normal })).ToList();
        try
        {
            var reference = stores[0].GetHeads().OrderBy(h => h.StreamId, StringComparer.Ordinal).ToList();
            for (var i = 1; i < stores.Count; i++)
            {
                var heads = stores[i].GetHeads().OrderBy(h => h.StreamId, StringComparer.Ordinal).ToList();
                if (!heads.Select(h => h.StreamId).SequenceEqual(reference.Select(h => h.StreamId)))
                {
                    return $"{storePaths[i]} holds streams [{string.Join(", ", heads.Select(h => h.StreamId))}], {storePaths[0]} [{string.Join(", ", reference.Select(h => h.StreamId))}]";
                }

                foreach (var (mine, theirs) in heads.Zip(reference))
                {
                    var difference = prefixOnly(mine.StreamId)
                        ? EntriesDifference(stores[i], stores[0], mine.StreamId, Math.Min(mine.LastSequence, theirs.LastSequence))
                        : HeadDifference(mine, theirs) ?? EntriesDifference(stores[i], stores[0], mine.StreamId, mine.LastSequence) ?? CertificateDifference(stores[i], stores[0], mine.StreamId);
                    if (difference is not null)
                    {
                        return $"{storePaths[i]} differs from {storePaths[0]} in {mine.StreamId}: {difference}";
                    }
                }
            }

            return null;
        }
        finally
        {
            stores.ForEach(s => s.Dispose());
        }
    }

    private static string? HeadDifference(StreamHead a, StreamHead b) =>
        a.LastSequence != b.LastSequence ? $"last sequence {a.LastSequence} against {b.LastSequence}"
        : !a.YHead.AsSpan().SequenceEqual(b.YHead) ? "Y head"
        : !a.MerkleState.AsSpan().SequenceEqual(b.MerkleState) ? "Merkle state"
        : a.Retention != b.Retention ? "retention"
        : null;

    private static string? EntriesDifference(ILogStore a, ILogStore b, string streamId, long last)
    {
        var mine = a.ReadRange(streamId, 0, last).Entries;
        var theirs = b.ReadRange(streamId, 0, last).Entries;
        if (mine.Count != theirs.Count)
        {
            return $"{mine.Count} entries against {theirs.Count}";
        }

        for (var j = 0; j < mine.Count; j++)
        {
            if (mine[j].Sequence != theirs[j].Sequence || !mine[j].SealedEntry.AsSpan().SequenceEqual(theirs[j].SealedEntry))
            {
                return $"sealed entry {mine[j].Sequence}";
            }
        }

        return null;
    }

    private static string? CertificateDifference(ILogStore a, ILogStore b, string streamId)
    {
        var (mine, theirs) = (a.GetLatestCertifiedHead(streamId), b.GetLatestCertifiedHead(streamId));
        return (mine, theirs) switch
        {
            (null, null) => null,
            (null, _) or (_, null) => "one has a certified head, the other none",
            _ when mine.Sequence != theirs.Sequence || mine.Instance != theirs.Instance || !mine.YHead.AsSpan().SequenceEqual(theirs.YHead)
                || !mine.MerkleRoot.AsSpan().SequenceEqual(theirs.MerkleRoot) || !mine.Signatures.AsSpan().SequenceEqual(theirs.Signatures) => "latest certified head",
            _ => null,
        };
    }
}
