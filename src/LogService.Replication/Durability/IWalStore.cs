namespace LogService.Replication.Durability;

/// <summary>
/// Byte-level storage for the consensus write-ahead log and the latest checkpoint. Records are opaque to the store;
/// a record whose write was torn by a crash is dropped on read, together with anything after it.
/// </summary>
internal interface IWalStore : IDisposable
{
    /// <summary>Buffers one record; it becomes durable at the next <see cref="Flush"/>.</summary>
    void Append(ReadOnlySpan<byte> record);

    /// <summary>Makes appended records durable (to the OS, or to the disk when configured to sync).</summary>
    void Flush();

    /// <summary>Reads every intact record in append order.</summary>
    List<byte[]> ReadAll();

    /// <summary>
    /// Replaces the log with <paramref name="records"/> (compaction after a checkpoint); they become durable at the next
    /// <see cref="Flush"/>. Until the replacement and the checkpoint written before it are both durable, a read may
    /// still return the replaced records too, ahead of these: they restate the same facts, so replaying both is safe.
    /// </summary>
    void Rewrite(IEnumerable<byte[]> records);

    /// <summary>Stores the latest checkpoint atomically; it may reach the disk after the call returns (see <see cref="Rewrite"/>).</summary>
    void WriteCheckpoint(ReadOnlySpan<byte> checkpoint);

    /// <summary>Reads the latest checkpoint, or null when there is none.</summary>
    byte[]? ReadCheckpoint();
}
