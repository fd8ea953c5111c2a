using System.Diagnostics;
using LogService.Storage.Tests.Support;
using Microsoft.Data.Sqlite;

namespace LogService.Storage.Tests;

/// <summary>A damaged file, a full disk and a newer schema each stop the SQLite store with a clear error.</summary>
public sealed class SqliteFaultTests : IDisposable
{
    private const long T0 = 1_700_000_000_000_000;
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void DamagedFileHeaderIsRefusedNamingTheFile()
    {
        var path = CreateStore("header.db", batches: 3);
        using (var file = File.OpenWrite(path))
        {
            file.Write(new byte[100]);
        }

        var failure = Assert.Throws<LogStoreException>(() => LogStores.OpenSqlite(new SqliteStoreOptions { Path = path }));

        Assert.Equal(StoreFailure.Corrupted, failure.Failure);
        Assert.Equal(path, failure.Location);
        Assert.Contains(path, failure.Message, StringComparison.Ordinal);
        Assert.Contains("not a SQLite database", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DamagedPageIsFoundByTheIntegrityCheckAtOpen()
    {
        var path = CreateStore("page.db", batches: 40);
        const int pageSize = 4096;
        var pages = new FileInfo(path).Length / pageSize;
        using (var file = File.OpenWrite(path))
        {
            file.Position = pages / 2 * pageSize;
            file.Write(Enumerable.Repeat((byte)0x5A, pageSize).ToArray());
        }

        var failure = Assert.Throws<LogStoreException>(() => LogStores.OpenSqlite(new SqliteStoreOptions { Path = path }));

        Assert.Equal(StoreFailure.Corrupted, failure.Failure);
        Assert.Contains(path, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SchemaVersionNewerThanTheCodeIsRefusedAndLeftUntouched()
    {
        var path = CreateStore("newer.db", batches: 1);
        ExecuteRaw(path, "PRAGMA user_version = 99");

        var failure = Assert.Throws<LogStoreException>(() => LogStores.OpenSqlite(new SqliteStoreOptions { Path = path }));

        Assert.Equal(StoreFailure.SchemaTooNew, failure.Failure);
        Assert.Contains(path, failure.Message, StringComparison.Ordinal);
        Assert.Contains("schema version 99", failure.Message, StringComparison.Ordinal);
        Assert.Equal(99L, ExecuteRaw(path, "PRAGMA user_version"));
    }

    [Fact]
    public void FullDiskFailsTheBatchCleanlyAndKeepsEverythingAcknowledged()
    {
        Assert.True(Environment.UserName == "root", "This test mounts a small tmpfs and must run as root (./build.sh test does).");
        var mountPoint = _directory.File("small-disk");
        Directory.CreateDirectory(mountPoint);
        Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint);
        try
        {
            var path = Path.Combine(mountPoint, "full.db");
            using var api = new TestStream("acme", "api");
            var acknowledged = -1L;
            LogStoreException? failure = null;
            using (var store = LogStores.OpenSqlite(new SqliteStoreOptions { Path = path }))
            {
                for (var instance = 0L; failure is null && instance < 10_000; instance++)
                {
                    var batch = instance == 0
                        ? new DecidedBatchWrite(0, [api.Open(T0)], [api.Head()])
                        : new DecidedBatchWrite(instance, Enumerable.Range(0, 20).Select(i => api.Data(T0 + instance)).ToList(), [api.Head()]);
                    try
                    {
                        store.AppendBatch(batch);
                        acknowledged = instance;
                    }
                    catch (LogStoreException exception)
                    {
                        failure = exception;
                    }
                }

                Assert.NotNull(failure);
                Assert.Equal(StoreFailure.DiskFull, failure.Failure);
                Assert.Contains(path, failure.Message, StringComparison.Ordinal);
                var refused = Assert.Throws<LogStoreException>(() => store.LastAppliedInstance);
                Assert.Equal(StoreFailure.Faulted, refused.Failure);
            }

            Run("mount", "-o", "remount,size=64m", mountPoint);
            using var reopened = LogStores.OpenSqlite(new SqliteStoreOptions { Path = path });
            Assert.Equal(acknowledged, reopened.LastAppliedInstance);
            var stored = reopened.ReadRange("acme/api", 0, long.MaxValue).Entries;
            Assert.Equal(1 + (20 * acknowledged), stored.Count);
            Assert.Null(ChainVerifier.VerifyFromGenesis(stored, "acme/api"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Run("umount", mountPoint);
        }
    }

    private string CreateStore(string name, int batches)
    {
        var path = _directory.File(name);
        using var store = LogStores.OpenSqlite(new SqliteStoreOptions { Path = path });
        using var api = new TestStream("acme", "api");
        store.AppendBatch(new DecidedBatchWrite(0, [api.Open(T0)], [api.Head()]));
        for (var instance = 1; instance < batches; instance++)
        {
            store.AppendBatch(new DecidedBatchWrite(instance, Enumerable.Range(0, 10).Select(i => api.Data(T0 + instance)).ToList(), [api.Head()]));
        }

        return path;
    }

    private static object? ExecuteRaw(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Run(string program, params string[] arguments)
    {
        using var process = Process.Start(program, arguments);
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}");
    }
}
