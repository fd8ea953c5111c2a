using LogService.Storage.Tests.Support;

namespace LogService.Storage.Tests;

/// <summary>The store contract on the embedded SQLite engine.</summary>
public sealed class SqliteLogStoreTests : LogStoreContractTests
{
    private readonly TempDirectory _directory = new();

    protected override ILogStore OpenStore(string name, int segmentEntries) =>
        LogStores.OpenSqlite(new SqliteStoreOptions { Path = _directory.File(name + ".db"), SegmentEntries = segmentEntries });

    public override void Dispose()
    {
        base.Dispose();
        _directory.Dispose();
    }
}
