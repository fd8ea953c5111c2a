using LogService.Replication.Durability;

namespace LogService.Replication.Tests.Durability;

/// <summary>Compaction into a new segment and the background checkpoint write, including crashes between their steps.</summary>
public sealed class FileWalStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "logsvc-wal-" + Guid.NewGuid().ToString("N"));

    public FileWalStoreTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void ACompactionKeepsOnlyItsRecordsOnceTheyAndTheCheckpointAreDurable()
    {
        using (var store = new FileWalStore(_directory, syncToDisk: true))
        {
            store.Append([1]);
            store.Append([2]);
            store.Flush();
            store.WriteCheckpoint([42]);
            store.Rewrite([[2]]);
            store.Append([3]);
            FlushUntilOneSegment(store);

            Assert.Equal([[2], [3]], store.ReadAll());
        }

        using var reopened = new FileWalStore(_directory, syncToDisk: true);
        Assert.Equal([[2], [3]], reopened.ReadAll());
        Assert.Equal([42], reopened.ReadCheckpoint());
        reopened.Append([4]);
        reopened.Flush();
        Assert.Equal([[2], [3], [4]], reopened.ReadAll());
    }

    [Fact]
    public void ACrashBeforeTheCompactedSegmentIsCompleteLosesNothingThatWasFlushed()
    {
        using (var store = new FileWalStore(_directory, syncToDisk: true))
        {
            store.Append([1]);
            store.Append([2, 2]);
            store.Flush();
            store.WriteCheckpoint([7]);
            store.Rewrite([[2, 2], [5, 5, 5, 5]]);
        }

        // The crash tore the new segment in its second record, before any flush made it durable.
        var newest = SegmentFiles().Last();
        var bytes = File.ReadAllBytes(newest);
        File.WriteAllBytes(newest, bytes[..^2]);

        using var reopened = new FileWalStore(_directory, syncToDisk: true);
        Assert.Equal([[1], [2, 2], [2, 2]], reopened.ReadAll());
        Assert.Equal(2, SegmentFiles().Count);

        // The next compaction restates everything again, and the leftover segments go with it.
        reopened.WriteCheckpoint([8]);
        reopened.Rewrite([[2, 2]]);
        FlushUntilOneSegment(reopened);
        Assert.Equal([[2, 2]], reopened.ReadAll());
    }

    [Fact]
    public void ReplacedSegmentsStayUntilTheCheckpointBeforeThemIsOnDisk()
    {
        using var store = new FileWalStore(_directory, syncToDisk: false);
        store.Append([1]);
        store.Flush();
        using (var blocker = new FileStream(Path.Combine(_directory, "checkpoint.bin.tmp"), FileMode.Create, FileAccess.ReadWrite, FileShare.None))
        {
            // While the checkpoint cannot be written, its write fails and the flush that would delete the replaced
            // segment reports it instead of deleting anything.
            store.WriteCheckpoint([9]);
            store.Rewrite([[1]]);
            var failure = Record.Exception(() =>
            {
                for (var i = 0; i < 200; i++)
                {
                    store.Flush();
                    Thread.Sleep(5);
                }
            });

            Assert.IsAssignableFrom<IOException>(failure);
            Assert.Equal(2, SegmentFiles().Count);
        }
    }

    [Fact]
    public void TheFirstFormatsSingleFileIsTheFirstSegment()
    {
        File.WriteAllBytes(Path.Combine(_directory, "consensus.wal"), Framed([1]));
        using var store = new FileWalStore(_directory, syncToDisk: false);
        store.WriteCheckpoint([3]);
        store.Rewrite([[1], [2]]);
        FlushUntilOneSegment(store);

        Assert.Equal([[1], [2]], store.ReadAll());
        Assert.Equal(["consensus.wal.1"], SegmentFiles().Select(Path.GetFileName));
    }

    /// <summary>Flushes until the replaced segments are deleted, which waits for the checkpoint written in the background.</summary>
    private void FlushUntilOneSegment(FileWalStore store)
    {
        for (var i = 0; i < 500 && SegmentFiles().Count > 1; i++)
        {
            store.Flush();
            Thread.Sleep(10);
        }

        Assert.Single(SegmentFiles());
    }

    private List<string> SegmentFiles() =>
        [.. Directory.EnumerateFiles(_directory, "consensus.wal*").Order(StringComparer.Ordinal)];

    private static byte[] Framed(byte[] record)
    {
        var header = new byte[RecordFraming.HeaderSize];
        RecordFraming.WriteHeader(header, record);
        return [.. header, .. record];
    }
}
