namespace LogService.Sealing.Verification;

/// <summary>The first bad entry: where it is and why it failed.</summary>
/// <param name="Position">Index of the offending entry in the list that was verified.</param>
/// <param name="Sequence">The stream sequence number the finding is about (for a gap, the missing one).</param>
/// <param name="Failure">What kind of failure.</param>
/// <param name="Detail">A sentence for people, e.g. "MAC mismatch".</param>
public sealed record VerificationFinding(int Position, long Sequence, VerificationFailure Failure, string Detail)
{
    /// <summary>For example <c>entry 417: MAC mismatch</c>.</summary>
    public override string ToString() => $"entry {Sequence}: {Detail}";
}
