using LogService.Sealing;
using LogService.Sealing.Verification;

namespace LogService.Storage.Tests.Support;

/// <summary>
/// Checks stored rows with the sealing core: every row's clear columns equal its sealed header, and the sealed
/// entries pass the core's link verification from the given anchor (the genesis link, or a tombstone's Y head).
/// </summary>
internal static class ChainVerifier
{
    /// <summary>Returns null when the rows verify, else what breaks first.</summary>
    public static string? Verify(IReadOnlyList<EntryRecord> rows, ReadOnlyMemory<byte> previousLink, long firstSequence)
    {
        if (rows.Count == 0)
        {
            return null;
        }

        foreach (var row in rows)
        {
            if (!SealedEntry.TryDecode(row.SealedEntry, out var entry, out var error))
            {
                return $"{row.StreamId}#{row.Sequence}: does not decode: {error}";
            }

            if (TestStream.ToRecord(entry) with { SealedEntry = row.SealedEntry } != row)
            {
                return $"{row.StreamId}#{row.Sequence}: clear columns differ from the sealed header";
            }
        }

        var report = StreamVerifier.VerifyLinks(
            rows[0].StreamId,
            rows.Select(row => (ReadOnlyMemory<byte>)row.SealedEntry).ToList(),
            new VerificationOptions { Anchor = new ChainAnchor(firstSequence, previousLink), MaxDegreeOfParallelism = 1 });
        return report.IsValid ? null : $"{rows[0].StreamId}: {report}";
    }

    /// <summary>Verifies a whole stream from its genesis link.</summary>
    public static string? VerifyFromGenesis(IReadOnlyList<EntryRecord> rows, string streamId) =>
        Verify(rows, StreamGenesis.ComputeGenesisLink(streamId), 0);
}
