namespace LogService.Replication.Abstractions;

/// <summary>
/// The replicated service a replica hosts. The engine hands it decided batches in instance order, exactly once per
/// instance, from one thread; it must be deterministic so every correct replica reaches the same state.
/// </summary>
public interface IStateMachine
{
    /// <summary>
    /// The highest instance whose batch this state machine has durably executed, or 0 when it holds no state.
    /// Read once at start, so a restarted replica resumes after it.
    /// </summary>
    long LastExecutedInstance { get; }

    /// <summary>
    /// Executes one decided batch and returns exactly one reply per command, in command order. It must persist its
    /// new state, including <see cref="OrderedBatch.Instance"/>, before returning: replies leave the replica only afterwards.
    /// </summary>
    IReadOnlyList<byte[]> Execute(OrderedBatch batch);

    /// <summary>Answers a read-only query from the current local state without changing it.</summary>
    byte[] ExecuteReadOnly(ReadOnlyMemory<byte> query);

    /// <summary>
    /// Serializes the state as of <see cref="LastExecutedInstance"/> for a checkpoint. Correct replicas must produce
    /// identical bytes (f+1 equal digests are what makes a checkpoint trusted). A state machine with much state returns
    /// a summary that commits to all of it and lets the rest travel as parts (<see cref="MissingParts"/>): checkpoints
    /// are taken on the protocol thread, kept in memory and sent in one message.
    /// </summary>
    byte[] TakeSnapshot();

    /// <summary>
    /// Replaces the state with <paramref name="snapshot"/>, taken after <paramref name="instance"/>, and persists it.
    /// Called once every part <see cref="MissingParts"/> named has been written.
    /// </summary>
    void RestoreSnapshot(long instance, ReadOnlyMemory<byte> snapshot);

    /// <summary>
    /// The parts of the state, beyond <paramref name="snapshot"/> itself, that this replica must fetch before it can
    /// restore it: opaque ids that every replica's <see cref="ReadPart"/> understands, in the order to write them.
    /// Empty (the default) when the snapshot holds the whole state.
    /// </summary>
    IReadOnlyList<byte[]> MissingParts(long instance, ReadOnlyMemory<byte> snapshot) => [];

    /// <summary>
    /// Reads a part another replica asked for, from this replica's current state (which may be later than the
    /// checkpoint that named it); null when it does not hold it. Must return identical bytes on every correct replica
    /// that holds the part: the receiver installs a part only when f+1 replicas report its digest.
    /// </summary>
    byte[]? ReadPart(ReadOnlyMemory<byte> part) => null;

    /// <summary>
    /// Writes a fetched part, whose content f+1 replicas vouched for. Returns the id of what remains of the part when
    /// <paramref name="content"/> held only its beginning (a part's content is bounded in size), or null.
    /// </summary>
    /// <exception cref="InvalidDataException">The content does not fit the part; nothing of it was written (the
    /// engine then gives the checkpoint up, and the next transfer asks <see cref="MissingParts"/> afresh).</exception>
    byte[]? WritePart(ReadOnlyMemory<byte> part, ReadOnlyMemory<byte> content) => null;
}
