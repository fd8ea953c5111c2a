namespace LogService.Sealing.Verification;

/// <summary>
/// Verifies stored entries (their canonical encodings, in stored order) and reports the first bad entry and why.
/// </summary>
public static class StreamVerifier
{
    /// <summary>
    /// Full verification by the holder of A_0: recomputes every A_j, K_j, Y_j and Z_j, decrypts every body
    /// and checks every control entry. The entries must start at the stream's open entry.
    /// </summary>
    public static VerificationReport VerifyFull(
        string streamId, ReadOnlySpan<byte> initialSecret, IReadOnlyList<ReadOnlyMemory<byte>> entries, VerificationOptions? options = null)
    {
        if (initialSecret.Length != StreamGenesis.SecretSize)
        {
            throw new ArgumentException($"A_0 must be {StreamGenesis.SecretSize} bytes", nameof(initialSecret));
        }

        options ??= new VerificationOptions();
        if (options.Anchor is { Sequence: not 0 })
        {
            throw new ArgumentException("full verification starts at the stream's open entry", nameof(options));
        }

        return new ChainVerification(streamId, entries, options, initialSecret.ToArray(), releasedKeys: null).Run();
    }

    /// <summary>
    /// Partial verification without secrets: sequence, stream, lifecycle and every hash link from the anchor
    /// (the genesis link by default), plus the known head when given. Anyone can run it; it cannot tell a chain rebuilt by
    /// someone who rewrote every later link, which is what MACs and certified heads are for.
    /// </summary>
    public static VerificationReport VerifyLinks(string streamId, IReadOnlyList<ReadOnlyMemory<byte>> entries, VerificationOptions? options = null) =>
        new ChainVerification(streamId, entries, options ?? new VerificationOptions(), initialSecret: null, releasedKeys: null).Run();

    /// <summary>
    /// Partial verification by a reviewer: everything <see cref="VerifyLinks"/> checks, and every body the
    /// released keys cover must decrypt and authenticate (control entries' records are checked too).
    /// </summary>
    public static VerificationReport VerifyWithReleasedKeys(
        string streamId, ReleasedKeys keys, IReadOnlyList<ReadOnlyMemory<byte>> entries, VerificationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return new ChainVerification(streamId, entries, options ?? new VerificationOptions(), initialSecret: null, keys).Run();
    }
}
