namespace LogService.Storage;

/// <summary>
/// What a snapshot holds: the whole replica state; its summary without entries; or one stream's entries in a
/// sequence range.
/// </summary>
public sealed record SnapshotScope
{
    private SnapshotScope(string? streamId, long fromSequence, long toSequence, long maxEntryBytes)
    {
        StreamId = streamId;
        FromSequence = fromSequence;
        ToSequence = toSequence;
        MaxEntryBytes = maxEntryBytes;
    }

    /// <summary>Every entry, head, certified head, tombstone and the applied instance.</summary>
    public static SnapshotScope WholeReplica { get; } = new(null, 0, long.MaxValue, long.MaxValue);

    /// <summary>
    /// The replica state without its entries: the applied instance, every head, each stream's latest certified head
    /// and every tombstone. It stays small however much is stored, yet commits to every entry (the heads' Y and
    /// Merkle state); the entries themselves travel in <see cref="StreamRange"/> snapshots. Importing it replaces the
    /// heads, tombstones and applied instance, keeps the entries present and removes those its tombstones cut.
    /// </summary>
    public static SnapshotScope Summary { get; } = new(null, 0, 0, 0);

    /// <summary>The stream, or null for the whole replica or its summary.</summary>
    public string? StreamId { get; }

    /// <summary>The first sequence included.</summary>
    public long FromSequence { get; }

    /// <summary>The last sequence included (0 for a summary: no entries).</summary>
    public long ToSequence { get; }

    /// <summary>
    /// For a stream range: an export stops before the entry that would take the sealed bytes written past this
    /// (it always writes at least one entry), so one snapshot stays within a message's size. The rest of the range
    /// follows in another snapshot.
    /// </summary>
    public long MaxEntryBytes { get; }

    /// <summary>Whether this is <see cref="Summary"/>.</summary>
    public bool IsSummary => StreamId is null && ToSequence == 0;

    /// <summary>
    /// One stream's entries with <paramref name="fromSequence"/> ≤ sequence ≤ <paramref name="toSequence"/> (up to
    /// <paramref name="maxEntryBytes"/> of sealed entries), with the certified heads and tombstones within that range.
    /// </summary>
    public static SnapshotScope StreamRange(string streamId, long fromSequence, long toSequence, long maxEntryBytes = long.MaxValue)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fromSequence, toSequence);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEntryBytes);
        return new SnapshotScope(streamId, fromSequence, toSequence, maxEntryBytes);
    }
}
