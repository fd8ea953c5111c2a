using LogService.Storage.Sql;
using LogService.Storage.Sqlite;
using LogService.Storage.Tests.Support;
using Microsoft.Data.Sqlite;

namespace LogService.Storage.Tests;

/// <summary>
/// Which index SQLite chooses for the API's query shapes. The planner has no statistics, so a query that looks
/// selective on the stream alone must not end up sorting every entry of the stream (seconds at millions of entries).
/// </summary>
public sealed class SqliteQueryPlanTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(null, false)]
    [InlineData(3, false)]
    [InlineData(3, true)]
    public void AStreamInATimeWindowIsReadThroughTheStreamTimeIndexWithoutSorting(int? minLevel, bool withCursor)
    {
        var plan = Plan(new EntryFilter { StreamId = "acme/app", MinLevel = (byte?)minLevel, FromMicros = 1, ToMicros = 1_000_000, ReaderMask = 1 }, withCursor);

        Assert.Contains("entries_by_stream_time", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE FOR ORDER BY", plan, StringComparison.Ordinal);
    }

    [Fact]
    public void AStreamAndASourceNodeUseTheNodeIndex()
    {
        var plan = Plan(new EntryFilter { StreamId = "acme/app", SourceNode = "web-1", MinLevel = 3, FromMicros = 1, ToMicros = 1_000_000 }, withCursor: false);

        Assert.Contains("entries_by_node_time", plan, StringComparison.Ordinal);
    }

    private string Plan(EntryFilter filter, bool withCursor)
    {
        var path = _directory.File("plan.db");
        using (LogStores.OpenSqlite(new SqliteStoreOptions { Path = path }))
        {
            // Creates the file with the current schema.
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        var where = EntryFilterSql.Where(filter, command, PageOrder.NewestFirst, withCursor ? new PageCursor(500_000, 42) : null);
        command.CommandText = $"EXPLAIN QUERY PLAN SELECT id FROM entries{where} ORDER BY ts DESC, id DESC LIMIT 101";
        using var reader = command.ExecuteReader();
        var details = new List<string>();
        while (reader.Read())
        {
            details.Add(reader.GetString(3));
        }

        return string.Join("\n", details);
    }
}
