namespace LogService.Storage;

/// <summary>What a snapshot holds: the whole replica state, or one stream's entries in a sequence range.</summary>
public sealed record SnapshotScope
{
    private SnapshotScope(string? streamId, long fromSequence, long toSequence)
    {
        StreamId = streamId;
        FromSequence = fromSequence;
        ToSequence = toSequence;
    }

    /// <summary>Every entry, head, certified head, tombstone and the applied instance.</summary>
    public static SnapshotScope WholeReplica { get; } = new(null, 0, long.MaxValue);

    /// <summary>The stream, or null for the whole replica.</summary>
    public string? StreamId { get; }

    /// <summary>The first sequence included.</summary>
    public long FromSequence { get; }

    /// <summary>The last sequence included.</summary>
    public long ToSequence { get; }

    /// <summary>One stream's entries with <paramref name="fromSequence"/> ≤ sequence ≤ <paramref name="toSequence"/>
    /// and its tombstones.</summary>
    public static SnapshotScope StreamRange(string streamId, long fromSequence, long toSequence)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fromSequence, toSequence);
        return new SnapshotScope(streamId, fromSequence, toSequence);
    }
}
