using LogService.Sealing;
using LogService.Sealing.Verification;
using LogService.Storage;

namespace LogService.Server.Reading;

/// <summary>The integrity badge of one entry as the API reports it.</summary>
/// <param name="State"><c>verified</c>, <c>broken</c> or <c>unverifiable</c>.</param>
/// <param name="Detail">Why broken or unverifiable; null when verified.</param>
internal sealed record IntegrityBadge(string State, string? Detail)
{
    public const string Verified = "verified";
    public const string Broken = "broken";
    public const string Unverifiable = "unverifiable";
}

/// <summary>
/// Per-entry checks a reader can make without any chain secret (docs/api.md, "Integrity"): the stored header
/// columns equal the sealed header; the hash link Y_j recomputes from the stored predecessor's Y_{j-1} (the genesis
/// link for entry 0, the tombstone's head after a retention cut); and, with a released K_j, the body decrypts and
/// its AES-GCM tag authenticates under K_j, which only the holder of A_j could have produced. All three:
/// <c>verified</c>. A failed check: <c>broken</c>, naming it. No key for the caller: <c>unverifiable</c> (the link
/// was still checked). Membership in the certified tree is proven per entry by the entry endpoint's inclusion proof.
/// </summary>
internal static class EntryIntegrity
{
    private static readonly IntegrityBadge VerifiedBadge = new(IntegrityBadge.Verified, null);
    private static readonly IntegrityBadge LinkOnlyBadge = new(IntegrityBadge.Unverifiable, "no key released to this caller; the hash link checks");

    public static IntegrityBadge Check(EntryRecord record, ReadOnlyMemory<byte>? previousLink, string? missingPredecessor, ReleasedKeys keys)
    {
        if (CheckStoredForm(record) is { } broken)
        {
            return broken;
        }

        if (previousLink is not { } link)
        {
            return new IntegrityBadge(missingPredecessor is null ? IntegrityBadge.Unverifiable : IntegrityBadge.Broken, missingPredecessor ?? "the predecessor's link is not at hand");
        }

        var options = new VerificationOptions { MaxDegreeOfParallelism = 1, Anchor = new ChainAnchor(record.Sequence, link) };
        var report = StreamVerifier.VerifyWithReleasedKeys(record.StreamId, keys, [record.SealedEntry], options);
        if (report.FirstFailure is { } failure)
        {
            return new IntegrityBadge(IntegrityBadge.Broken, Describe(failure.Failure, failure.Detail));
        }

        return LinkedBadge(record.Sequence, keys);
    }

    /// <summary>The first check: the stored bytes decode and agree with the stored header columns; null when they do.</summary>
    public static IntegrityBadge? CheckStoredForm(EntryRecord record)
    {
        if (!SealedEntry.TryDecode(record.SealedEntry, out var entry, out var error))
        {
            return new IntegrityBadge(IntegrityBadge.Broken, $"malformed sealed entry: {error}");
        }

        return IndexMismatch(record, entry.Header) is { } mismatch ? new IntegrityBadge(IntegrityBadge.Broken, mismatch) : null;
    }

    /// <summary>The badge of an entry whose link (and, with its key, its MAC) checked: verified only when the caller had its key.</summary>
    public static IntegrityBadge LinkedBadge(long sequence, ReleasedKeys keys) => keys.Covers(sequence) ? VerifiedBadge : LinkOnlyBadge;

    public static string Describe(VerificationFailure failure, string detail) => failure switch
    {
        VerificationFailure.DecryptionFailed => $"bad MAC: the body does not authenticate under its key ({detail})",
        VerificationFailure.BrokenLink => $"broken link: {detail}",
        _ => detail,
    };

    private static string? IndexMismatch(EntryRecord record, EntryHeader header)
    {
        if (record.StreamId != header.StreamId || record.Sequence != header.Sequence)
        {
            return $"stored as {record.StreamId} #{record.Sequence} but sealed as {header.StreamId} #{header.Sequence}";
        }

        var same = record.TimestampMicros == header.ConsensusTimestamp && record.Level == header.Level && record.Tenant == header.Tenant
            && record.SourceCloud == header.SourceCloud && record.SourceNode == header.SourceNode && record.SourceUser == header.SourceUser
            && record.EventType == header.EventType && record.PermissionMask == header.PermissionMask && record.Kind == (byte)header.Kind;
        return same ? null : "the stored header columns differ from the sealed header";
    }
}
