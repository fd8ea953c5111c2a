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

    /// <summary>Serializes the whole state as of <see cref="LastExecutedInstance"/>, for checkpoints and state transfer.</summary>
    byte[] TakeSnapshot();

    /// <summary>Replaces the whole state with <paramref name="snapshot"/>, taken after <paramref name="instance"/>, and persists it.</summary>
    void RestoreSnapshot(long instance, ReadOnlyMemory<byte> snapshot);
}
