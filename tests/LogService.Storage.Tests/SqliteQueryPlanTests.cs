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
    [InlineData(null, false, true)]
    [InlineData(3, false, true)]
    [InlineData(3, true, true)]
    [InlineData(null, false, false)]
    public void AStreamInATimeWindowIsReadThroughTheStreamSequenceIndexWithoutSorting(int? minLevel, bool withCursor, bool withWindow)
    {
        var filter = new EntryFilter { StreamId = "acme/app", MinLevel = (byte?)minLevel, ReaderMask = 1 };
        if (withWindow)
        {
            filter = filter with { FromMicros = 1, ToMicros = 1_000_000 };
        }

        // The store turns the window (and cursor) into the stream's sequence span first (StreamTimeline).
        var plan = Plan(filter, withCursor, withWindow || withCursor ? new StreamTimeline.Span(10, 5_000) : null);

        Assert.Contains("USING INDEX entries_by_stream (stream_id=?", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE FOR ORDER BY", plan, StringComparison.Ordinal);
        if (withWindow)
        {
            Assert.Contains("seq>? AND seq<?", plan, StringComparison.Ordinal);
        }
    }

    private string Plan(EntryFilter filter, bool withCursor, StreamTimeline.Span? span)
    {
        var path = _directory.File("plan.db");
        using (LogStores.OpenSqlite(new SqliteStoreOptions { Path = path }))
        {
            // Creates the file with the current schema.
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        var where = EntryFilterSql.Where(filter, command, PageOrder.NewestFirst, withCursor ? new PageCursor(500_000, 42) : null, span);
        command.CommandText = $"EXPLAIN QUERY PLAN SELECT id FROM entries{where}{EntryFilterSql.OrderBy(filter, PageOrder.NewestFirst)} LIMIT 101";
        using var reader = command.ExecuteReader();
        var details = new List<string>();
        while (reader.Read())
        {
            details.Add(reader.GetString(3));
        }

        return string.Join("\n", details);
    }
}
