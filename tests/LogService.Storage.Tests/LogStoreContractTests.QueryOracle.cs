using LogService.Storage.Tests.Support;

namespace LogService.Storage.Tests;

/// <summary>
/// Queries checked against a plain scan of every stored entry, over a store whose row order does not follow time:
/// batches of many sizes (one larger than a summary block), a late stream with older timestamps (as an import
/// brings), rows removed by retention, and rows discarded and their ids reused. Whatever an engine indexes or
/// summarises, every page (walked through its cursors in both orders), count and histogram must equal the scan's.
/// </summary>
public abstract partial class LogStoreContractTests
{
    private static readonly string[] OracleNodes = ["n0", "n1", "n2", "n3", "n4", "n5"];

    [Fact]
    public void PagesCountsAndHistogramsEqualAScanOfEveryEntry()
    {
        var store = Open("oracle", segmentEntries: 8);
        var random = new Random(5);
        var streams = Enumerable.Range(0, 4).Select(i => new TestStream(i % 2 == 0 ? "acme" : "globex", $"s{i}")).ToList();
        using var late = new TestStream("acme", "late");
        var stored = new List<EntryRecord>();
        long instance = 0;
        for (var batch = 0; batch < 24; batch++)
        {
            // Batch 12 is the late stream's: times before everything stored so far.
            var batchStreams = batch == 12 ? [late] : streams;
            var size = batch == 6 ? 4_500 : random.Next(1, 150);
            var start = batch == 12 ? T0 - 5_000_000 : T0 + (batch * 1_000);
            var entries = new List<EntryRecord>(size);
            for (var i = 0; i < size; i++)
            {
                var stream = batchStreams[random.Next(batchStreams.Count)];
                var ts = start + (i / 40);
                var rare = random.Next(500) == 0;
                entries.Add(stream.Head().LastSequence < 0
                    ? stream.Open(ts)
                    : stream.Data(ts, level: rare ? (byte)5 : (byte)random.Next(5), node: rare ? "rare" : OracleNodes[random.Next(OracleNodes.Length)],
                        user: $"u{random.Next(3)}", bodyBytes: 8));
            }

            var heads = entries.Select(e => e.StreamId).Distinct().Select(id => batchStreams.First(s => s.StreamId == id))
                .Select(s => s.StreamId == "acme/s0" ? s.Head(new RetentionPolicy(null, 300)) : s.Head()).ToList();
            store.AppendBatch(new DecidedBatchWrite(instance++, entries, heads));
            stored.AddRange(entries);
        }

        var cut = store.PlanRetention("acme/s0", T0 + 100_000)!;
        store.ApplyRetention(cut, [1], [2]);
        stored.RemoveAll(e => e.StreamId == cut.StreamId && e.Sequence >= cut.FirstSequence && e.Sequence <= cut.LastSequence);

        // Entries beyond their heads (an interrupted state transfer) are discarded; the rows after them reuse their ids.
        var source = Open("oracle-source");
        using (var web = new TestStream("globex", "web"))
        {
            source.AppendBatch(new DecidedBatchWrite(0, [web.Open(T0 + 30_000), web.Data(T0 + 30_001, node: "n1", level: 4)], [web.Head()]));
        }

        store.ImportSnapshot(new MemoryStream(Export(source, SnapshotScope.StreamRange("globex/web", 0, 1))));
        Assert.Equal(2, store.DiscardUnanchoredEntries());
        var tail = new List<EntryRecord>
        {
            streams[1].Data(T0 + 40_000, level: 4, node: "n1"), streams[2].Data(T0 + 40_000, level: 3, node: "n1"), streams[3].Data(T0 + 40_001, node: "rare", level: 5),
        };
        store.AppendBatch(new DecidedBatchWrite(instance, tail, [streams[1].Head(), streams[2].Head(), streams[3].Head()]));
        stored.AddRange(tail);

        EntryFilter[] filters =
        [
            new(),
            new() { MinLevel = 3 },
            new() { SourceNode = "n1" },
            new() { SourceNode = "n1", MinLevel = 4, FromMicros = T0 + 3_000, ToMicros = T0 + 20_050 },
            new() { SourceNode = "rare", MinLevel = 3 },
            new() { SourceNode = "nobody" },
            new() { FromMicros = T0 + 6_050, ToMicros = T0 + 6_090 },
            new() { FromMicros = T0 - 5_000_000, ToMicros = T0 - 4_999_990, SourceNode = "n2" },
            new() { Tenant = "acme", SourceNode = "n2", MinLevel = 2 },
            new() { StreamId = "globex/s1", SourceNode = "n3", SourceUser = "u1" },
            new() { StreamId = "acme/s0", FromMicros = T0 + 5_000, ToMicros = T0 + 9_000 },
            new() { MinLevel = 4, ReaderMask = 1, ToMicros = T0 + 10_000 },
        ];
        foreach (var filter in filters)
        {
            var matching = stored.Select((entry, row) => (Entry: entry, Row: row)).Where(pair => Matches(filter, pair.Entry)).ToList();
            var oldestFirst = matching.OrderBy(p => p.Entry.TimestampMicros).ThenBy(p => p.Row).Select(p => (p.Entry.StreamId, p.Entry.Sequence)).ToList();
            Assert.Equal(oldestFirst, AllPages(store, filter, PageOrder.OldestFirst));
            oldestFirst.Reverse();
            Assert.Equal(oldestFirst, AllPages(store, filter, PageOrder.NewestFirst));
            Assert.Equal(matching.Count, store.Count(filter));
            var histogram = matching.GroupBy(p => (Start: p.Entry.TimestampMicros / 700 * 700, p.Entry.Level))
                .OrderBy(g => g.Key.Start).ThenBy(g => g.Key.Level).Select(g => new HistogramBucket(g.Key.Start, g.Key.Level, g.Count()));
            Assert.Equal(histogram, store.Histogram(filter, 700));
        }

        foreach (var stream in streams)
        {
            stream.Dispose();
        }
    }

    private static List<(string, long)> AllPages(ILogStore store, EntryFilter filter, PageOrder order)
    {
        var all = new List<(string, long)>();
        string? cursor = null;
        do
        {
            var page = store.Query(new EntryQuery { Filter = filter, Order = order, PageSize = 37, Cursor = cursor });
            all.AddRange(page.Entries.Select(e => (e.StreamId, e.Sequence)));
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return all;
    }

    private static bool Matches(EntryFilter filter, EntryRecord entry) =>
        (filter.Tenant is null || filter.Tenant == entry.Tenant)
        && (filter.StreamId is null || filter.StreamId == entry.StreamId)
        && (filter.SourceNode is null || filter.SourceNode == entry.SourceNode)
        && (filter.SourceUser is null || filter.SourceUser == entry.SourceUser)
        && (filter.FromMicros is null || entry.TimestampMicros >= filter.FromMicros)
        && (filter.ToMicros is null || entry.TimestampMicros < filter.ToMicros)
        && (filter.MinLevel is null || entry.Level >= filter.MinLevel)
        && (filter.ReaderMask is null || (entry.PermissionMask & filter.ReaderMask) != 0);
}
