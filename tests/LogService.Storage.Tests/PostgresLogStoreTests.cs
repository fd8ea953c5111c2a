using System.Data.Common;
using LogService.Storage.Postgres;
using Npgsql;
using LogService.Storage.Tests.Support;

namespace LogService.Storage.Tests;

/// <summary>The store contract on a real PostgreSQL server, one fresh database per test and store name.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresLogStoreTests(PostgresServerFixture server) : LogStoreContractTests
{
    private readonly string _prefix = "t" + Guid.NewGuid().ToString("N")[..12];
    private readonly Dictionary<string, string> _databases = [];

    protected override ILogStore OpenStore(string name, int segmentEntries)
    {
        if (!_databases.TryGetValue(name, out var connectionString))
        {
            connectionString = server.CreateDatabase($"{_prefix}_{name.Replace('-', '_')}");
            _databases[name] = connectionString;
        }

        return LogStores.OpenPostgres(new PostgresStoreOptions { ConnectionString = connectionString, SegmentEntries = segmentEntries });
    }

    protected override DbConnection CreateVersion1(string name)
    {
        var connectionString = server.CreateDatabase($"{_prefix}_{name}");
        _databases[name] = connectionString;
        var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        PostgresSchema.Prepare(connection, name, targetVersion: 1);
        return connection;
    }

    [Fact]
    public void DatabaseWithANewerSchemaIsRefused()
    {
        Open("newer").Dispose();
        using (var connection = new Npgsql.NpgsqlConnection(_databases["newer"]))
        {
            connection.Open();
            using var command = new Npgsql.NpgsqlCommand("UPDATE schema_version SET version = 99", connection);
            command.ExecuteNonQuery();
        }

        var failure = Assert.Throws<LogStoreException>(() => Open("newer"));
        Assert.Equal(StoreFailure.SchemaTooNew, failure.Failure);
        Assert.Contains("schema version 99", failure.Message, StringComparison.Ordinal);
        Assert.Contains(_prefix + "_newer", failure.Location, StringComparison.Ordinal);
    }
}
