namespace LogService.Storage;

/// <summary>Everything one decided consensus batch changes in the store; appended in one transaction.</summary>
/// <param name="Instance">The consensus instance; must be greater than the store's last applied instance.</param>
/// <param name="Entries">The sealed entries of the batch, across streams, in execution order.</param>
/// <param name="Heads">The new head of every stream the batch touched (or configured).</param>
public sealed record DecidedBatchWrite(long Instance, IReadOnlyList<EntryRecord> Entries, IReadOnlyList<StreamHead> Heads);

/// <summary>Entries of one stream read by sequence range, with the tombstones of anything removed from that range.</summary>
/// <param name="Entries">The stored entries, oldest first.</param>
/// <param name="Removed">Tombstones overlapping the requested range: what retention removed there, and why.</param>
public sealed record StreamSlice(IReadOnlyList<EntryRecord> Entries, IReadOnlyList<RetentionTombstone> Removed);
