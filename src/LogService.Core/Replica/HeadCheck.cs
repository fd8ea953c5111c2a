namespace LogService.Core.Replica;

/// <summary>How a replica's stored stream compares with a certified head.</summary>
public enum HeadConsistency
{
    /// <summary>The replica holds the certified entry with the certified Y (and, at its head, the certified Merkle root).</summary>
    Consistent,

    /// <summary>The replica's stream is shorter than the certified head, or missing: its store was rolled back or lost
    /// data. It must recover by state transfer before it serves or signs anything about the stream.</summary>
    Behind,

    /// <summary>The replica holds a different entry at the certified sequence: its store was altered.</summary>
    Diverged,

    /// <summary>The certificate itself does not verify against the replica key set, so it proves nothing.</summary>
    InvalidCertificate,
}

/// <summary>The result of comparing a stream with a certified head.</summary>
/// <param name="StreamId">The stream.</param>
/// <param name="Consistency">The verdict.</param>
/// <param name="Detail">What was compared and what differed.</param>
public sealed record HeadCheck(string StreamId, HeadConsistency Consistency, string Detail);
