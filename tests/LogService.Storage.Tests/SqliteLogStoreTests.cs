using System.Data.Common;
using LogService.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using LogService.Storage.Tests.Support;

namespace LogService.Storage.Tests;

/// <summary>The store contract on the embedded SQLite engine.</summary>
public sealed class SqliteLogStoreTests : LogStoreContractTests
{
    private readonly TempDirectory _directory = new();

    protected override ILogStore OpenStore(string name, int segmentEntries) =>
        LogStores.OpenSqlite(new SqliteStoreOptions { Path = _directory.File(name + ".db"), SegmentEntries = segmentEntries });

    protected override DbConnection CreateVersion1(string name)
    {
        var path = _directory.File(name + ".db");
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        SqliteSchema.Prepare(connection, path, new SqliteStoreOptions { Path = path }, targetVersion: 1);
        return connection;
    }

    public override void Dispose()
    {
        base.Dispose();
        _directory.Dispose();
    }
}
