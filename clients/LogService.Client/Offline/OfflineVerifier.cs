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

/// <summary>
/// Verifies an <see cref="ExportBundle"/> without the service: the certified head's 2f+1 signatures against a
/// pinned key set, every hash link up to the head's Y, (with A_0) every MAC and body, and the Merkle root over
/// every sealed entry against the head's root.
/// </summary>
public static class OfflineVerifier
{
    /// <summary>Runs the checks; <paramref name="progress"/> receives the entries processed so far.</summary>
    public static OfflineReport Verify(ExportBundle bundle, ReplicaKeySet keys, ReadOnlySpan<byte> initialSecret, IProgress<long>? progress = null)
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
        var options = new VerificationOptions { KnownHead = new KnownHead(statement.LastSequence + 1, statement.YHead) };

        // The chain is checked first: it names the first bad entry, which a differing Merkle root cannot.
        var report = initialSecret.IsEmpty
            ? StreamVerifier.VerifyLinks(bundle.StreamId, entries, options)
            : StreamVerifier.VerifyFull(bundle.StreamId, initialSecret, entries, options);
        progress?.Report(report.EntriesVerified);
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
                progress?.Report(i + 1);
            }
        }

        progress?.Report(entries.Count);
        return tree.Root(tree.Size).AsSpan().SequenceEqual(statement.MerkleRoot)
            ? new OfflineReport(true, mode, entries.Count, null, null, null)
            : new OfflineReport(false, mode, entries.Count, null, "MerkleRoot", "the Merkle root over the entries differs from the certified head's");
    }
}
