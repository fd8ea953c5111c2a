namespace LogService.Storage.Tests;

public sealed class StoreOptionsTests
{
    [Fact]
    public void EveryOptionHasItsDocumentedDefault()
    {
        var sqlite = new SqliteStoreOptions();
        Assert.Equal(SyncPolicy.Full, sqlite.Sync);
        Assert.True(sqlite.CheckIntegrityOnOpen);
        Assert.Equal(4096, sqlite.SegmentEntries);
        Assert.Equal(64, sqlite.WriterCacheMiB);

        var postgres = new PostgresStoreOptions();
        Assert.Equal(SyncPolicy.Full, postgres.Sync);
        Assert.Equal(4096, postgres.SegmentEntries);
    }

    [Fact]
    public void InvalidOptionsAreRejectedBeforeAnythingOpens()
    {
        var missingDirectory = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "store.db");
        Assert.Throws<ArgumentException>(() => LogStores.OpenSqlite(new SqliteStoreOptions()));
        Assert.Throws<ArgumentException>(() => LogStores.OpenSqlite(new SqliteStoreOptions { Path = missingDirectory }));
        Assert.Throws<ArgumentOutOfRangeException>(() => LogStores.OpenSqlite(new SqliteStoreOptions { Path = "store.db", SegmentEntries = 0 }));
        Assert.Throws<ArgumentException>(() => LogStores.OpenSqlite(new SqliteStoreOptions { Path = "store.db", Sync = (SyncPolicy)7 }));
        Assert.Throws<ArgumentException>(() => LogStores.OpenPostgres(new PostgresStoreOptions()));
        Assert.False(Directory.Exists(Path.GetDirectoryName(missingDirectory)));
    }
}
