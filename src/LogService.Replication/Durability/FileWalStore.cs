namespace LogService.Replication.Durability;

/// <summary>
/// The WAL as files in the data directory: segments <c>consensus.wal</c>, <c>consensus.wal.1</c>, ... (the newest
/// appended and flushed each event-loop round; read in order) and <c>checkpoint.bin</c> (replaced atomically by
/// write-then-rename).
/// </summary>
/// <remarks>
/// A checkpoint must not hold up ordering: every replica takes it at the same instance, and two synced file
/// replacements on the protocol thread stalled consensus on all of them at once. So the checkpoint file is written in
/// the background, and compaction starts a new segment holding the records that still matter instead of rewriting
/// the log in place; the new segment becomes durable with the next <see cref="Flush"/>. Older segments are deleted
/// only once both are durable. Until then a restart reads them too: their records come before the new segment's,
/// which restate what still matters, and replaying a record twice changes nothing.
/// </remarks>
internal sealed class FileWalStore : IWalStore
{
    private const string LogName = "consensus.wal";
    private const string CheckpointName = "checkpoint.bin";

    private readonly string directory;
    private readonly bool syncToDisk;
    private readonly List<string> retired = [];
    private FileStream log;
    private int segment;
    private bool dirty;
    private Task checkpointWrite = Task.CompletedTask;
    private Task? retiredAfter;
    private Task deletions = Task.CompletedTask;

    public FileWalStore(string directory, bool syncToDisk)
    {
        this.directory = directory;
        this.syncToDisk = syncToDisk;
        Directory.CreateDirectory(directory);
        var segments = Segments();
        segment = segments.Count == 0 ? 0 : segments[^1].Number;
        retired.AddRange(segments.SkipLast(1).Select(s => s.Path));
        log = OpenLog(PathOf(segment));
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

        DeleteRetiredSegments();
    }

    public List<byte[]> ReadAll()
    {
        log.Flush();
        var records = new List<byte[]>();
        foreach (var (_, path) in Segments())
        {
            records.AddRange(RecordFraming.Parse(File.ReadAllBytes(path)));
        }

        return records;
    }

    public void Rewrite(IEnumerable<byte[]> records)
    {
        // The records restate everything that still matters, including what this round appended but has not flushed
        // yet; the closed segment is flushed all the same, so every segment but the newest is always complete.
        Flush();
        retired.Add(log.Name);
        log.Dispose();
        segment++;
        log = OpenLog(PathOf(segment));
        foreach (var record in records)
        {
            Append(record);
        }

        retiredAfter = checkpointWrite;
    }

    public void WriteCheckpoint(ReadOnlySpan<byte> checkpoint)
    {
        var data = checkpoint.ToArray();
        var previous = checkpointWrite;
        checkpointWrite = Task.Run(async () =>
        {
            // Checkpoints replace each other in the order they were taken.
            await previous.ConfigureAwait(false);
            var temp = Path.Combine(directory, CheckpointName + ".tmp");
            await using (var f = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                var header = new byte[RecordFraming.HeaderSize];
                RecordFraming.WriteHeader(header, data);
                await f.WriteAsync(header).ConfigureAwait(false);
                await f.WriteAsync(data).ConfigureAwait(false);
                f.Flush(syncToDisk);
            }

            File.Move(temp, Path.Combine(directory, CheckpointName), overwrite: true);
        });
    }

    public byte[]? ReadCheckpoint()
    {
        checkpointWrite.GetAwaiter().GetResult();
        var path = Path.Combine(directory, CheckpointName);
        if (!File.Exists(path))
        {
            return null;
        }

        var records = RecordFraming.Parse(File.ReadAllBytes(path));
        return records.Count == 1 ? records[0] : null;
    }

    public void Dispose()
    {
        // A checkpoint write that failed was reported by the flush after it, or leaves the previous checkpoint with
        // every segment still in place: closing waits for it but has nothing more to report.
        ((IAsyncResult)checkpointWrite).AsyncWaitHandle.WaitOne();
        ((IAsyncResult)deletions).AsyncWaitHandle.WaitOne();
        log.Dispose();
    }

    /// <summary>
    /// Deletes the segments a compaction replaced once the segment restating them is flushed and the checkpoint taken
    /// before it is on disk. A failed checkpoint write fails the flush, as a failed log write does.
    /// </summary>
    private void DeleteRetiredSegments()
    {
        if (retired.Count == 0 || retiredAfter is not { IsCompleted: true } condition)
        {
            return;
        }

        condition.GetAwaiter().GetResult();
        // A replaced segment holds every value decided since the checkpoint before it, hundreds of megabytes at a
        // high rate: the file system takes a while to free that, so it is not done on the caller's thread.
        var paths = retired.ToArray();
        deletions = deletions.ContinueWith(_ =>
        {
            foreach (var path in paths)
            {
                File.Delete(path);
            }
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        retired.Clear();
        retiredAfter = null;
    }

    private List<(int Number, string Path)> Segments()
    {
        var segments = new List<(int, string)>();
        foreach (var path in Directory.EnumerateFiles(directory, LogName + "*"))
        {
            var name = Path.GetFileName(path);
            if (name == LogName)
            {
                segments.Add((0, path));
            }
            else if (name.StartsWith(LogName + ".", StringComparison.Ordinal)
                && int.TryParse(name.AsSpan(LogName.Length + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
            {
                segments.Add((number, path));
            }
        }

        segments.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return segments;
    }

    private string PathOf(int number) => Path.Combine(directory, number == 0 ? LogName : $"{LogName}.{number}");

    private static FileStream OpenLog(string path)
    {
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
}
