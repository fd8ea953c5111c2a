namespace LogService.Replication.Durability;

/// <summary>
/// A WAL kept in memory: used when no data directory is configured, and by simulations, which "restart" a replica
/// by building a new one over the same store (records appended but not flushed are lost, as in a crash).
/// </summary>
internal sealed class MemoryWalStore : IWalStore
{
    private readonly List<byte[]> durable = [];
    private readonly List<byte[]> buffered = [];
    private byte[]? checkpoint;

    public int RecordCount => durable.Count;

    public void Append(ReadOnlySpan<byte> record) => buffered.Add(record.ToArray());

    public void Flush()
    {
        durable.AddRange(buffered);
        buffered.Clear();
    }

    /// <summary>Discards records that were never flushed, as a crash would.</summary>
    public void Crash() => buffered.Clear();

    public List<byte[]> ReadAll() => [.. durable];

    public void Rewrite(IEnumerable<byte[]> records)
    {
        var copy = records.ToList();
        durable.Clear();
        buffered.Clear();
        durable.AddRange(copy);
    }

    public void WriteCheckpoint(ReadOnlySpan<byte> data) => checkpoint = data.ToArray();

    public byte[]? ReadCheckpoint() => checkpoint;

    public void Dispose()
    {
    }
}
