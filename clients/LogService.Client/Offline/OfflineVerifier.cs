using LogService.Client.Trust;
using LogService.Sealing.Merkle;
using LogService.Sealing.Verification;

namespace LogService.Client.Offline;

/// <summary>The outcome of verifying a bundle offline.</summary>
/// <param name="IsValid">True when every check passed.</param>
/// <param name="Mode"><c>full</c> (with A_0: MACs and bodies) or <c>links</c> (without secrets: links, head and Merkle root).</param>
/// <param name="EntriesChecked">Entries that passed every check.</param>
/// <param name="FailedSequence">The first bad entry; null when none or when the failure is not one entry's.</param>
/// <param name="Failure">The failure kind (a <see cref="VerificationFailure"/> name, or <c>CertifiedHead</c> / <c>MerkleRoot</c>).</param>
/// <param name="Detail">Why.</param>
public sealed record OfflineReport(bool IsValid, string Mode, long EntriesChecked, long? FailedSequence, string? Failure, string? Detail);

/// <summary>How far an offline verification has got.</summary>
/// <param name="Phase"><c>chain</c> (links, MACs and bodies) or <c>merkle</c> (the root over every entry).</param>
/// <param name="Done">Entries processed in this phase.</param>
/// <param name="Total">Entries in the bundle.</param>
public readonly record struct OfflineProgress(string Phase, long Done, long Total);

/// <summary>
/// Verifies an <see cref="ExportBundle"/> without the service: the certified head's 2f+1 signatures against a
/// pinned key set, every hash link up to the head's Y, (with A_0) every MAC and body, and the Merkle root over
/// every sealed entry against the head's root.
/// </summary>
public static class OfflineVerifier
{
    /// <summary>Runs the checks; <paramref name="progress"/> receives the phase and the entries processed so far.</summary>
    public static OfflineReport Verify(ExportBundle bundle, ReplicaKeySet keys, ReadOnlySpan<byte> initialSecret, IProgress<OfflineProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(keys);
        var mode = initialSecret.IsEmpty ? "links" : "full";
        var head = new ReceiptVerifier(keys).VerifyCertifiedHead(bundle.CertifiedHead);
        if (!head.IsValid || head.Statement!.StreamId != bundle.StreamId)
        {
            return new OfflineReport(false, mode, 0, null, "CertifiedHead", head.Reason ?? $"the certified head is for {head.Statement!.StreamId}");
        }

        var statement = head.Statement;
        var entries = bundle.Entries.Select(e => (ReadOnlyMemory<byte>)e.Sealed).ToList();
        var total = entries.Count;
        IReadOnlyList<ReadOnlyMemory<byte>> watched = progress is null ? entries : new ReadWatcher(entries, done => progress.Report(new OfflineProgress("chain", done, total)));
        var options = new VerificationOptions { KnownHead = new KnownHead(statement.LastSequence + 1, statement.YHead) };

        // The chain is checked first: it names the first bad entry, which a differing Merkle root cannot.
        var report = initialSecret.IsEmpty
            ? StreamVerifier.VerifyLinks(bundle.StreamId, watched, options)
            : StreamVerifier.VerifyFull(bundle.StreamId, initialSecret, watched, options);
        progress?.Report(new OfflineProgress("chain", report.EntriesVerified, total));
        if (report.FirstFailure is { } finding)
        {
            return new OfflineReport(false, mode, report.EntriesVerified, finding.Sequence, finding.Failure.ToString(), finding.Detail);
        }

        var tree = new MerkleTree();
        for (var i = 0; i < entries.Count; i++)
        {
            tree.Append(entries[i].Span);
            if ((i & 1023) == 1023)
            {
                progress?.Report(new OfflineProgress("merkle", i + 1, total));
            }
        }

        progress?.Report(new OfflineProgress("merkle", total, total));
        return tree.Root(tree.Size).AsSpan().SequenceEqual(statement.MerkleRoot)
            ? new OfflineReport(true, mode, entries.Count, null, null, null)
            : new OfflineReport(false, mode, entries.Count, null, "MerkleRoot", "the Merkle root over the entries differs from the certified head's");
    }

    /// <summary>
    /// The entries as the stream verifier sees them, reporting the furthest position read: the verifier reads entries
    /// in order on one thread (its structural pass) at most a chunk ahead of its workers, so that is how far it has got.
    /// </summary>
    private sealed class ReadWatcher(List<ReadOnlyMemory<byte>> entries, Action<long> report) : IReadOnlyList<ReadOnlyMemory<byte>>
    {
        private const int ReportEvery = 4096;
        private long _furthest;

        public int Count => entries.Count;

        public ReadOnlyMemory<byte> this[int index]
        {
            get
            {
                var reached = index + 1L;
                var before = Volatile.Read(ref _furthest);
                if (reached > before && Interlocked.CompareExchange(ref _furthest, reached, before) == before && reached / ReportEvery != before / ReportEvery)
                {
                    report(reached);
                }

                return entries[index];
            }
        }

        public IEnumerator<ReadOnlyMemory<byte>> GetEnumerator() => entries.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
