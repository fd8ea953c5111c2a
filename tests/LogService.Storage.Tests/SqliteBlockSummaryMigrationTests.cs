using LogService.Storage.Sqlite;
using LogService.Storage.Tests.Support;
using Microsoft.Data.Sqlite;

namespace LogService.Storage.Tests;

/// <summary>
/// Schema version 5 replaces the per-entry time and node indexes with block summaries: a file of version 4 (rows
/// indexed, no summaries) is migrated, summarised from its rows, and answers every query as before.
/// </summary>
public sealed class SqliteBlockSummaryMigrationTests : IDisposable
{
    private const long T0 = 1_700_000_000_000_000;
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void AVersion4FileIsSummarisedAndAnswersTheSameQueries()
    {
        var path = _directory.File("v4.db");
        EntryFilter[] filters =
        [
            new(), new() { MinLevel = 4 }, new() { SourceNode = "n2", MinLevel = 3 }, new() { SourceNode = "n1", FromMicros = T0 + 2_000, ToMicros = T0 + 9_000 },
            new() { FromMicros = T0 - 100, ToMicros = T0 + 1_000 }, new() { Tenant = "acme", SourceNode = "n0" },
        ];
        List<string> before;
        using (var store = LogStores.OpenSqlite(new SqliteStoreOptions { Path = path, SegmentEntries = 100 }))
        {
            Fill(store);
            before = Answers(store, filters);
        }

        // What version 4 wrote: the same tables with the time and node indexes, and no summaries.
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            connection.Open();
            Execute(connection,
                """
                DROP TABLE entry_blocks; DROP TABLE entry_block_nodes; DROP TABLE entry_block_span;
                CREATE INDEX entries_by_time ON entries (ts);
                CREATE INDEX entries_by_node_time ON entries (source_node_id, ts, level);
                PRAGMA user_version = 4;
                """);
        }

        using (var migrated = LogStores.OpenSqlite(new SqliteStoreOptions { Path = path }))
        {
            Assert.Equal(before, Answers(migrated, filters));
        }

        using var check = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        check.Open();
        Assert.Equal(5L, Scalar(check, "PRAGMA user_version"));
        Assert.Equal(0L, Scalar(check, "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('entries_by_time', 'entries_by_node_time')"));
        // 2,400 rows with a gap of deleted ids: summarised in blocks of up to 1,000 rows.
        Assert.Equal(3L, Scalar(check, "SELECT COUNT(*) FROM entry_blocks"));
        Assert.Equal(2_400L - 300, Scalar(check, "SELECT COUNT(*) FROM entries"));
    }

    [Fact]
    public void RowsDeletedBehindTheStoresBackLeaveNoOverlappingSummaries()
    {
        var path = _directory.File("truncated.db");
        using var ledger = new TestStream("acme", "ledger");
        using var orders = new TestStream("acme", "orders");
        using (var store = LogStores.OpenSqlite(new SqliteStoreOptions { Path = path }))
        {
            store.AppendBatch(new DecidedBatchWrite(0, [ledger.Open(T0), .. Enumerable.Range(1, 7).Select(i => ledger.Data(T0 + i, node: "n1"))], [ledger.Head()]));
        }

        // A truncated file: the newest rows are gone, and the next rows reuse their ids.
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            connection.Open();
            Execute(connection, "DELETE FROM entries WHERE seq >= 6");
        }

        using var reopened = LogStores.OpenSqlite(new SqliteStoreOptions { Path = path });
        reopened.AppendBatch(new DecidedBatchWrite(1, [orders.Open(T0 + 10), orders.Data(T0 + 11, node: "n1"), orders.Data(T0 + 12, node: "n1")], [orders.Head()]));

        (string, long)[] expected = [("acme/orders", 2), ("acme/orders", 1), ("acme/orders", 0), .. Enumerable.Range(0, 6).Reverse().Select(i => ("acme/ledger", (long)i))];
        Assert.Equal(expected, reopened.Query(new EntryQuery { PageSize = 50 }).Entries.Select(e => (e.StreamId, e.Sequence)));
        Assert.Equal(expected.Where(e => e != ("acme/orders", 0) && e != ("acme/ledger", 0)),
            reopened.Query(new EntryQuery { Filter = new EntryFilter { SourceNode = "n1" }, PageSize = 50 }).Entries.Select(e => (e.StreamId, e.Sequence)));
        Assert.Equal(9, reopened.Count(new EntryFilter()));
        Assert.Equal(7, reopened.Count(new EntryFilter { SourceNode = "n1" }));
    }

    private static void Fill(ILogStore store)
    {
        var random = new Random(3);
        using var acme = new TestStream("acme", "api");
        using var globex = new TestStream("globex", "web");
        for (var batch = 0; batch < 8; batch++)
        {
            // Batch 5 carries older times than everything before it, as an import would.
            var start = batch == 5 ? T0 - 50 : T0 + (batch * 1_000);
            var entries = new List<EntryRecord>();
            for (var i = 0; i < 300; i++)
            {
                var stream = batch == 5 ? globex : acme;
                entries.Add(stream.Head().LastSequence < 0 ? stream.Open(start)
                    : stream.Data(start + (i / 30), level: (byte)random.Next(6), node: $"n{random.Next(4)}", bodyBytes: 8));
            }

            store.AppendBatch(new DecidedBatchWrite(batch, entries, [(batch == 5 ? globex : acme).Head(new RetentionPolicy(null, 1_800))]));
        }

        // Retention removes acme's oldest 300 rows (whole segments), leaving a gap in the ids.
        var cut = store.PlanRetention("acme/api", T0 + 10_000)!;
        Assert.Equal(299, cut.LastSequence);
        store.ApplyRetention(cut, [1], [2]);
    }

    private static List<string> Answers(ILogStore store, EntryFilter[] filters)
    {
        var answers = new List<string>();
        foreach (var filter in filters)
        {
            foreach (var order in (PageOrder[])[PageOrder.NewestFirst, PageOrder.OldestFirst])
            {
                string? cursor = null;
                do
                {
                    var page = store.Query(new EntryQuery { Filter = filter, Order = order, PageSize = 97, Cursor = cursor });
                    answers.AddRange(page.Entries.Select(e => $"{e.StreamId}:{e.Sequence}"));
                    answers.Add(cursor = page.NextCursor);
                }
                while (cursor is not null);
            }

            answers.Add($"count {store.Count(filter)}");
            answers.AddRange(store.Histogram(filter, 333).Select(b => b.ToString()));
        }

        return answers;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
