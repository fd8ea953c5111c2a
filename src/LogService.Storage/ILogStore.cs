using LogService.Storage.Snapshots;

namespace LogService.Storage;

/// <summary>
/// The replica's durable log state: sealed entries, stream heads, certified heads, the applied consensus instance,
/// retention tombstones and snapshots. One writer (the state machine's execution thread) and any number of readers.
/// </summary>
/// <remarks>
/// Writes are synchronous: each returns when what it wrote is durable, which is what the replication engine's
/// execution thread needs before it signs replies for a batch. The one exception is
/// <see cref="AppendBatchPipelined"/>: it returns once the batch is committed (ordered after every earlier batch and
/// visible to readers) and hands back a task that completes when the batch is durable, so a writer that can wait for
/// durability later overlaps the disk's flush of one batch with its work on the next (SQLite with sync=full flushes
/// on a thread of its own, one flush covering every commit before it). Nothing may be acknowledged for a batch
/// before its task completed. Hosts that serve queries from request threads call <see cref="ILogQuery"/> directly:
/// those reads never block the writer. Any failure of a write, or of making a pipelined batch durable, leaves the
/// store faulted: every later call throws <see cref="LogStoreException"/>, because a replica must not keep running on
/// state it can no longer vouch for.
/// </remarks>
public interface ILogStore : ILogQuery, IDisposable
{
    /// <summary>
    /// The last consensus instance whose batch is durably applied; -1 for an empty store. A pipelined batch counts
    /// once its task completed. After a restart, any batch found committed counts.
    /// </summary>
    long LastAppliedInstance { get; }

    /// <summary>
    /// Appends a decided batch in one transaction: its entries, the new heads of the streams it touched and its
    /// consensus instance. After a crash the batch is either wholly present or wholly absent.
    /// </summary>
    /// <exception cref="ArgumentException">The batch is malformed (instance not after the last applied one, a head
    /// that does not match its entries).</exception>
    /// <exception cref="LogStoreException">The engine failed; the store is now faulted.</exception>
    void AppendBatch(DecidedBatchWrite batch);

    /// <summary>
    /// Appends a decided batch as <see cref="AppendBatch"/> does, but returns once it is committed, before it is
    /// durable. Batches commit in call order and become durable in that order; a batch that commits here is validated
    /// against the last committed one, so the next batch can follow at once. After a kill -9 a committed batch
    /// survives; after a power loss only those whose tasks completed are certain to.
    /// </summary>
    /// <returns>Completes when the batch is durable; fails with <see cref="LogStoreException"/> (and the store is
    /// faulted) when it cannot be made durable.</returns>
    /// <exception cref="ArgumentException">The batch is malformed (see <see cref="AppendBatch"/>).</exception>
    /// <exception cref="LogStoreException">The engine failed; the store is now faulted.</exception>
    Task AppendBatchPipelined(DecidedBatchWrite batch);

    /// <summary>Reads the stored entries of one stream with <paramref name="fromSequence"/> ≤ sequence ≤
    /// <paramref name="toSequence"/>, oldest first, and the retention tombstones overlapping that range.</summary>
    StreamSlice ReadRange(string streamId, long fromSequence, long toSequence);

    /// <summary>The stream's head, or null when the stream has no head yet.</summary>
    StreamHead? GetHead(string streamId);

    /// <summary>All stream heads, ordered by stream id.</summary>
    IReadOnlyList<StreamHead> GetHeads();

    /// <summary>Stores a certified head (2f+1 signatures over a stream head). Replaces one with the same stream
    /// and sequence.</summary>
    void RecordCertifiedHead(CertifiedHead head);

    /// <summary>The certified head with the highest sequence for the stream, or null.</summary>
    CertifiedHead? GetLatestCertifiedHead(string streamId);

    /// <summary>
    /// Works out which whole segments of the stream its retention policy removes at <paramref name="nowMicros"/>
    /// (consensus time, so every replica cuts at the same place). Null when nothing is due.
    /// </summary>
    RetentionCut? PlanRetention(string streamId, long nowMicros);

    /// <summary>
    /// Deletes the entries of <paramref name="cut"/> and writes its tombstone, in one transaction. The caller supplies
    /// the evidence the store cannot compute itself: the Y head and Merkle root after the last removed entry.
    /// </summary>
    RetentionTombstone ApplyRetention(RetentionCut cut, byte[] yHeadAtCut, byte[] merkleRootAtCut);

    /// <summary>All tombstones of a stream, oldest cut first.</summary>
    IReadOnlyList<RetentionTombstone> GetTombstones(string streamId);

    /// <summary>Writes a snapshot (the whole replica state, or one stream's entry range) to
    /// <paramref name="destination"/>; the format ends with a SHA-256 digest of its content.</summary>
    /// <param name="scope">What to export.</param>
    /// <param name="destination">Receives the snapshot.</param>
    /// <param name="exportHead">Optional: rewrites each stream head as it is written, e.g. to replace this replica's
    /// at-rest-encrypted sealer state with a form every replica writes identically.</param>
    void ExportSnapshot(SnapshotScope scope, Stream destination, Func<StreamHead, StreamHead>? exportHead = null);

    /// <summary>
    /// Imports a snapshot in one transaction. A whole-replica snapshot replaces the store's state; a summary replaces
    /// the heads, tombstones and applied instance, adds its certified heads and keeps the entries (removing those its
    /// tombstones cut); a stream-range snapshot adds entries that must follow the stream's last stored one, with the
    /// certified heads and tombstones in that range. A truncated or altered snapshot is rejected and nothing changes.
    /// Verifying the snapshot's content against other replicas is the caller's task.
    /// </summary>
    /// <param name="source">The snapshot.</param>
    /// <param name="importHead">Optional: rewrites each stream head before it is stored (the inverse of the
    /// export's rewrite); an exception it throws aborts the import and nothing changes.</param>
    /// <returns>What was imported.</returns>
    ImportedSnapshot ImportSnapshot(Stream source, Func<StreamHead, StreamHead>? importHead = null);

    /// <summary>
    /// Removes stored entries that lie beyond their stream's head (or whose stream has no head): what a state
    /// transfer leaves when it stops after importing stream ranges but before their summary. Cheap when there are none.
    /// </summary>
    /// <returns>How many entries were removed.</returns>
    long DiscardUnanchoredEntries();
}
