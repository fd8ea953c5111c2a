using LogService.Storage.Sql;
using LogService.Storage.Sqlite;
using LogService.Storage.Tests.Support;

namespace LogService.Storage.Tests;

/// <summary>
/// The flush thread as sync=full uses it, syncing the WAL. That no commit is reported durable before a flush that started
/// after it is checked on the real store's system calls (<see cref="SqliteDurabilityTests"/>); this covers a flush
/// the disk refuses.
/// </summary>
public sealed class SqliteWalFlushTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task AFailedFlushFailsEveryPendingAndLaterCommitAndIsReportedOnce()
    {
        // fdatasync of a character device fails with EINVAL, standing in for a disk that refuses the flush.
        var database = _directory.File("refusing.db");
        File.CreateSymbolicLink(database + "-wal", "/dev/null");
        using var wal = SqliteWalSync.Open(database);
        var reported = new List<Exception>();
        var condemned = new LogStoreException(StoreFailure.EngineError, database, "the flush failed");
        using var thread = new GroupFlushThread("SQLite WAL sync", wal.Sync, failure =>
        {
            lock (reported)
            {
                reported.Add(failure);
            }

            return condemned;
        });

        var first = thread.Register();
        var second = thread.Register();
        Assert.Same(condemned, await Assert.ThrowsAsync<LogStoreException>(() => first));
        Assert.Same(condemned, await Assert.ThrowsAsync<LogStoreException>(() => second));
        Assert.Same(condemned, await Assert.ThrowsAsync<LogStoreException>(() => thread.Register()));
        var failure = Assert.Single(reported);
        Assert.Contains("fdatasync", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryRegisteredCommitCompletesAfterAFlush()
    {
        var database = _directory.File("fine.db");
        using var wal = SqliteWalSync.Open(database);
        using var thread = new GroupFlushThread("SQLite WAL sync", wal.Sync, failure => failure);

        var commits = Enumerable.Range(0, 50).Select(_ => thread.Register()).ToList();

        await Task.WhenAll(commits).WaitAsync(TimeSpan.FromSeconds(30));
    }
}
