namespace LogService.Sealing.Verification;

/// <summary>What the verifier knows beyond the entries themselves. Every default means "nothing extra".</summary>
public sealed class VerificationOptions
{
    /// <summary>
    /// A count and head known from elsewhere (a certified head, a close entry seen earlier). The stream must
    /// reach that count and its link at that count must equal the head; otherwise the tail was cut or rewritten. Default: none.
    /// </summary>
    public KnownHead? KnownHead { get; init; }

    /// <summary>When true, a stream that does not end with its close entry is reported as truncated. Default: false.</summary>
    public bool RequireClosed { get; init; }

    /// <summary>Successor secrets A'_0 keyed by the sequence of the rotation entry that committed to them. Default: none.</summary>
    public IReadOnlyDictionary<long, byte[]> RotationSecrets { get; init; } = new Dictionary<long, byte[]>();

    /// <summary>
    /// Where a partial verification starts: the first entry's sequence and the link before it. Default: the
    /// stream's start (sequence 0, the genesis link). Full verification always starts at the stream's start.
    /// </summary>
    public ChainAnchor? Anchor { get; init; }

    /// <summary>Threads used for the per-entry cryptography. Default: every core.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;
}

/// <summary>A count of entries and the link Y of the last of them, known independently of the entries.</summary>
/// <param name="Count">Number of entries (so the last has sequence Count - 1).</param>
/// <param name="Head">Y_{Count-1}.</param>
public sealed record KnownHead(long Count, ReadOnlyMemory<byte> Head);

/// <summary>A trusted starting point inside a stream.</summary>
/// <param name="Sequence">The sequence of the first entry to verify.</param>
/// <param name="PreviousLink">Y_{Sequence-1} (the genesis link when Sequence is 0).</param>
public sealed record ChainAnchor(long Sequence, ReadOnlyMemory<byte> PreviousLink);
