namespace LogService.Storage;

/// <summary>How long a stream keeps its entries. An entry goes when either limit says so; unset limits never remove.</summary>
/// <param name="MaxAgeMicros">Remove entries older than this (consensus time), or null.</param>
/// <param name="MaxCount">Keep at most this many newest entries, or null.</param>
public sealed record RetentionPolicy(long? MaxAgeMicros, long? MaxCount)
{
    /// <summary>Keep everything.</summary>
    public static RetentionPolicy KeepAll { get; } = new(null, null);
}

/// <summary>What retention would remove from one stream: whole segments, oldest first.</summary>
/// <param name="StreamId">The stream.</param>
/// <param name="FirstSequence">The first sequence removed.</param>
/// <param name="LastSequence">The last sequence removed; the cut is right after it.</param>
/// <param name="LastRemovedTimestampMicros">The consensus time of the last removed entry.</param>
/// <param name="DecidedAtMicros">The consensus time the cut was planned at.</param>
/// <param name="Policy">Which limit caused the cut, in words.</param>
public sealed record RetentionCut(
    string StreamId,
    long FirstSequence,
    long LastSequence,
    long LastRemovedTimestampMicros,
    long DecidedAtMicros,
    string Policy);

/// <summary>The lasting record of a retention cut: what was removed, the chain state at the cut, when and why.</summary>
/// <param name="StreamId">The stream.</param>
/// <param name="FirstSequence">The first sequence removed.</param>
/// <param name="LastSequence">The last sequence removed.</param>
/// <param name="RemovedCount">How many entries were deleted.</param>
/// <param name="YHeadAtCut">Y of the last removed entry: verification of what remains starts from it.</param>
/// <param name="MerkleRootAtCut">The stream's Merkle root over entries up to the cut.</param>
/// <param name="LastRemovedTimestampMicros">The consensus time of the last removed entry.</param>
/// <param name="AppliedAtMicros">The consensus time the cut was made at.</param>
/// <param name="Policy">Which limit caused the cut, in words.</param>
public sealed record RetentionTombstone(
    string StreamId,
    long FirstSequence,
    long LastSequence,
    long RemovedCount,
    byte[] YHeadAtCut,
    byte[] MerkleRootAtCut,
    long LastRemovedTimestampMicros,
    long AppliedAtMicros,
    string Policy);
