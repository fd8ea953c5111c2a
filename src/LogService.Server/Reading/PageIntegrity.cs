using System.Globalization;
using LogService.Sealing;
using LogService.Sealing.Verification;
using LogService.Storage;

namespace LogService.Server.Reading;

/// <summary>
/// The integrity badges of one stream's entries on a page: <see cref="EntryIntegrity"/>'s per-entry checks, made in
/// contiguous runs. Nearby entries form a cluster; the stored entries the cluster lacks, from its first entry's
/// predecessor to its last entry, are read in few range reads, and the whole range is verified as one chain from
/// that predecessor's stored link. A run checks
/// every entry's link against its stored predecessor, as the per-entry check does, and every body the caller's keys
/// cover, but hashes many entries at once. From the first failure in a run (on the page or between its entries)
/// the cluster's remaining entries are checked one by one, so each badge and its detail are the per-entry check's.
/// </summary>
internal sealed class PageIntegrity(ILogStore store)
{
    /// <summary>
    /// Page entries further apart than this go to separate clusters, and missing entries further apart than this
    /// are read in separate ranges: a range read costs about as much as reading 16 rows in the query benchmark's
    /// profile, so reading the entries between costs more beyond this.
    /// </summary>
    private const int MaxGap = 32;

    /// <summary>The longest range one cluster reads.</summary>
    private const int MaxSpan = 4096;

    public Dictionary<long, IntegrityBadge> Check(string streamId, IReadOnlyList<EntryRecord> rows, ReleasedKeys keys)
    {
        var sorted = rows.DistinctBy(r => r.Sequence).OrderBy(r => r.Sequence).ToList();
        var badges = new Dictionary<long, IntegrityBadge>(sorted.Count);
        var tombstones = new Lazy<IReadOnlyList<RetentionTombstone>>(() => store.GetTombstones(streamId));
        for (var start = 0; start < sorted.Count;)
        {
            var end = start + 1;
            while (end < sorted.Count && sorted[end].Sequence - sorted[end - 1].Sequence <= MaxGap && sorted[end].Sequence - sorted[start].Sequence < MaxSpan)
            {
                end++;
            }

            CheckCluster(streamId, sorted.GetRange(start, end - start), keys, badges, tombstones);
            start = end;
        }

        return badges;
    }

    private void CheckCluster(string streamId, List<EntryRecord> cluster, ReleasedKeys keys, Dictionary<long, IntegrityBadge> badges, Lazy<IReadOnlyList<RetentionTombstone>> tombstones)
    {
        var first = cluster[0].Sequence;
        var last = cluster[^1].Sequence;

        // The page's own bytes are what the caller is shown, so they are what is checked (and linked to); storage
        // is asked only for the entries between them, in as few ranges as pay.
        var bySequence = cluster.ToDictionary(r => r.Sequence);
        long? from = null;
        long to = -1;
        for (var sequence = Math.Max(0, first - 1); sequence <= last + 1; sequence++)
        {
            if (sequence <= last && bySequence.ContainsKey(sequence))
            {
                continue;
            }

            if (from is { } start && (sequence > last || sequence - to > MaxGap))
            {
                foreach (var entry in store.ReadRange(streamId, start, to).Entries)
                {
                    bySequence.TryAdd(entry.Sequence, entry);
                }

                from = null;
            }

            if (sequence <= last)
            {
                from ??= sequence;
                to = sequence;
            }
        }

        var failedFrom = VerifyRun(streamId, first, last, bySequence, keys);
        foreach (var row in cluster)
        {
            if (EntryIntegrity.CheckStoredForm(row) is { } broken)
            {
                badges[row.Sequence] = broken;
            }
            else if (row.Sequence < failedFrom)
            {
                badges[row.Sequence] = EntryIntegrity.LinkedBadge(row.Sequence, keys);
            }
            else
            {
                var (link, missing) = PredecessorLink(streamId, row.Sequence, bySequence, tombstones);
                badges[row.Sequence] = EntryIntegrity.Check(row, link, missing, keys);
            }
        }
    }

    /// <summary>
    /// Verifies first..last as one run from the stored link before it; returns the sequence of the first entry
    /// the run could not vouch for (long.MaxValue when it vouched for all), from which entries are checked singly.
    /// </summary>
    private static long VerifyRun(string streamId, long first, long last, Dictionary<long, EntryRecord> bySequence, ReleasedKeys keys)
    {
        ReadOnlyMemory<byte> anchor;
        if (first == 0)
        {
            anchor = StreamGenesis.ComputeGenesisLink(streamId);
        }
        else if (bySequence.TryGetValue(first - 1, out var previous) && SealedEntry.TryDecode(previous.SealedEntry, out var decoded, out _))
        {
            anchor = decoded.Link;
        }
        else
        {
            return first;
        }

        var entries = new List<ReadOnlyMemory<byte>>(checked((int)(last - first + 1)));
        for (var sequence = first; sequence <= last; sequence++)
        {
            if (!bySequence.TryGetValue(sequence, out var entry))
            {
                // A hole (a retention cut inside the range): the run ends before it.
                break;
            }

            entries.Add(entry.SealedEntry);
        }

        var options = new VerificationOptions { MaxDegreeOfParallelism = 1, Anchor = new ChainAnchor(first, anchor) };
        var report = StreamVerifier.VerifyWithReleasedKeys(streamId, keys, entries, options);
        return report.FirstFailure is { } failure ? first + failure.Position : first + entries.Count;
    }

    /// <summary>Y_{j-1} for entry j: from the page or the range read, the genesis link, or a retention tombstone.</summary>
    private static (ReadOnlyMemory<byte>? Link, string? Missing) PredecessorLink(
        string streamId, long sequence, Dictionary<long, EntryRecord> bySequence, Lazy<IReadOnlyList<RetentionTombstone>> tombstones)
    {
        var previous = sequence - 1;
        if (previous < 0)
        {
            return (StreamGenesis.ComputeGenesisLink(streamId), null);
        }

        if (bySequence.TryGetValue(previous, out var entry))
        {
            return SealedEntry.TryDecode(entry.SealedEntry, out var sealedEntry, out _) ? (sealedEntry.Link, null) : (null, null);
        }

        var cut = tombstones.Value.FirstOrDefault(t => t.LastSequence == previous);
        return cut is not null
            ? (cut.YHeadAtCut, null)
            : (null, string.Create(CultureInfo.InvariantCulture, $"entry {previous} before it is missing from storage"));
    }
}
