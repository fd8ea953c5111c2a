namespace LogService.Replication.Durability;

/// <summary>
/// The WAL as files in the data directory: <c>consensus.wal</c> (appended, flushed each event-loop round) and
/// <c>checkpoint.bin</c> (replaced atomically by write-then-rename).
/// </summary>
internal sealed class FileWalStore : IWalStore
{
    private const string LogName = "consensus.wal";
    private const string CheckpointName = "checkpoint.bin";

    private readonly string directory;
    private readonly bool syncToDisk;
    private FileStream log;
    private bool dirty;

    public FileWalStore(string directory, bool syncToDisk)
    {
        this.directory = directory;
        this.syncToDisk = syncToDisk;
        Directory.CreateDirectory(directory);
        log = OpenLog();
    }

    public void Append(ReadOnlySpan<byte> record)
    {
        Span<byte> header = stackalloc byte[RecordFraming.HeaderSize];
        RecordFraming.WriteHeader(header, record);
        log.Write(header);
        log.Write(record);
        dirty = true;
    }

    public void Flush()
    {
        if (dirty)
        {
            log.Flush(syncToDisk);
            dirty = false;
        }
    }

    public List<byte[]> ReadAll()
    {
        log.Flush();
        var records = RecordFraming.Parse(File.ReadAllBytes(PathOf(LogName)));
        return records;
    }

    public void Rewrite(IEnumerable<byte[]> records)
    {
        var temp = PathOf(LogName + ".tmp");
        using (var f = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            Span<byte> header = stackalloc byte[RecordFraming.HeaderSize];
            foreach (var r in records)
            {
                RecordFraming.WriteHeader(header, r);
                f.Write(header);
                f.Write(r);
            }

            f.Flush(true);
        }

        log.Dispose();
        File.Move(temp, PathOf(LogName), overwrite: true);
        log = OpenLog();
    }

    public void WriteCheckpoint(ReadOnlySpan<byte> checkpoint)
    {
        var temp = PathOf(CheckpointName + ".tmp");
        using (var f = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            Span<byte> header = stackalloc byte[RecordFraming.HeaderSize];
            RecordFraming.WriteHeader(header, checkpoint);
            f.Write(header);
            f.Write(checkpoint);
            f.Flush(true);
        }

        File.Move(temp, PathOf(CheckpointName), overwrite: true);
    }

    public byte[]? ReadCheckpoint()
    {
        var path = PathOf(CheckpointName);
        if (!File.Exists(path))
        {
            return null;
        }

        var records = RecordFraming.Parse(File.ReadAllBytes(path));
        return records.Count == 1 ? records[0] : null;
    }

    public void Dispose() => log.Dispose();

    private FileStream OpenLog()
    {
        var path = PathOf(LogName);
        var f = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1 << 16);
        // Cut a torn tail so new records follow the last intact one.
        var intact = 0L;
        foreach (var r in RecordFraming.Parse(File.ReadAllBytes(path)))
        {
            intact += RecordFraming.HeaderSize + r.Length;
        }

        f.SetLength(intact);
        f.Seek(0, SeekOrigin.End);
        return f;
    }

    private string PathOf(string name) => Path.Combine(directory, name);
}
