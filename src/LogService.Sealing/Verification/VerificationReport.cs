namespace LogService.Sealing.Verification;

/// <summary>The outcome of verifying a stream or a slice of it.</summary>
/// <param name="FirstFailure">The first bad entry, or null when everything checked out.</param>
/// <param name="EntriesVerified">How many entries, from the start of the list, passed every check.</param>
/// <param name="EntriesDecrypted">How many bodies were decrypted and authenticated.</param>
/// <param name="NextSequence">The sequence after the last verified entry.</param>
/// <param name="Head">The link Y of the last verified entry (the anchor's link when none).</param>
/// <param name="IsClosed">True when the verified entries end with the close entry.</param>
public sealed record VerificationReport(
    VerificationFinding? FirstFailure,
    long EntriesVerified,
    long EntriesDecrypted,
    long NextSequence,
    ReadOnlyMemory<byte> Head,
    bool IsClosed)
{
    /// <summary>True when no check failed.</summary>
    public bool IsValid => FirstFailure is null;

    /// <summary>"OK: n entries verified" or the first finding.</summary>
    public override string ToString() => FirstFailure?.ToString() ?? $"OK: {EntriesVerified} entries verified";
}
