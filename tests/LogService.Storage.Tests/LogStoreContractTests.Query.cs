using LogService.Storage.Tests.Support;

namespace LogService.Storage.Tests;

/// <content>Queries over the clear header fields, paging, counts and histograms.</content>
public abstract partial class LogStoreContractTests
{
    private const long Minute = 60_000_000;

    /// <summary>Appends a mixed population: two tenants, three nodes, all levels, one entry per minute.</summary>
    private (ILogStore Store, List<EntryRecord> All) Populate(int dataEntries = 60)
    {
        var store = Open();
        using var api = new TestStream("acme", "api");
        using var web = new TestStream("globex", "web");
        var all = new List<EntryRecord> { api.Open(T0), web.Open(T0) };
        for (var i = 0; i < dataEntries; i++)
        {
            var stream = i % 4 == 3 ? web : api;
            all.Add(stream.Data(
                T0 + (i * Minute),
                level: (byte)(i % 6),
                node: $"node-{i % 3}",
                cloud: i % 5 == 0 ? "cloud-b" : "cloud-a",
                user: i % 2 == 0 ? "alice" : "bob",
                eventType: i % 7 == 0 ? "login" : "request",
                mask: 1UL << (i % 3)));
        }

        store.AppendBatch(new DecidedBatchWrite(0, all, [api.Head(), web.Head()]));
        return (store, all);
    }

    public static TheoryData<string> Filters() => new(FilterCases.Keys);

    private static readonly Dictionary<string, (EntryFilter Filter, Func<EntryRecord, bool> Matches)> FilterCases = new()
    {
        ["tenant"] = (new EntryFilter { Tenant = "globex" }, e => e.Tenant == "globex"),
        ["stream"] = (new EntryFilter { StreamId = "acme/api" }, e => e.StreamId == "acme/api"),
        ["time window"] = (new EntryFilter { FromMicros = T0 + (10 * Minute), ToMicros = T0 + (20 * Minute) },
            e => e.TimestampMicros >= T0 + (10 * Minute) && e.TimestampMicros < T0 + (20 * Minute)),
        ["min level"] = (new EntryFilter { MinLevel = 4 }, e => e.Level >= 4),
        ["source cloud"] = (new EntryFilter { SourceCloud = "cloud-b" }, e => e.SourceCloud == "cloud-b"),
        ["source node"] = (new EntryFilter { SourceNode = "node-2" }, e => e.SourceNode == "node-2"),
        ["source user"] = (new EntryFilter { SourceUser = "alice" }, e => e.SourceUser == "alice"),
        ["event type"] = (new EntryFilter { EventType = "login" }, e => e.EventType == "login"),
        ["reader mask"] = (new EntryFilter { ReaderMask = 0b100 }, e => (e.PermissionMask & 0b100) != 0),
        ["console page"] = (new EntryFilter { MinLevel = 3, SourceNode = "node-1", FromMicros = T0, ToMicros = T0 + (40 * Minute) },
            e => e.Level >= 3 && e.SourceNode == "node-1" && e.TimestampMicros < T0 + (40 * Minute)),
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public void QueryAndCountReturnExactlyTheMatchingEntries(string filterName)
    {
        var (store, all) = Populate();
        var (filter, matches) = FilterCases[filterName];
        // Entries with equal timestamps come back in reverse storage order, newest first.
        var expected = all.Select((entry, index) => (entry, index)).Where(pair => matches(pair.entry))
            .OrderByDescending(pair => pair.entry.TimestampMicros).ThenByDescending(pair => pair.index)
            .Select(pair => pair.entry).ToList();
        Assert.NotEmpty(expected);
        Assert.NotEqual(all.Count, expected.Count);

        var page = store.Query(new EntryQuery { Filter = filter, PageSize = EntryQuery.MaxPageSize });
        Assert.Equal(expected.Select(Key), page.Entries.Select(Key));
        Assert.Null(page.NextCursor);
        Assert.Equal(expected.Count, store.Count(filter));
    }

    [Theory]
    [InlineData(PageOrder.NewestFirst)]
    [InlineData(PageOrder.OldestFirst)]
    public void PagesCoverEveryEntryOnceInOrder(PageOrder order)
    {
        var (store, all) = Populate();
        var filter = new EntryFilter { StreamId = "acme/api" };
        var seen = new List<EntryRecord>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = store.Query(new EntryQuery { Filter = filter, Order = order, PageSize = 7, Cursor = cursor });
            Assert.InRange(page.Entries.Count, 1, 7);
            seen.AddRange(page.Entries);
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        var expected = all.Where(e => e.StreamId == "acme/api").ToList();
        // The open entry and the first data entry share a timestamp; storage order breaks the tie.
        var ordered = order == PageOrder.OldestFirst ? expected : Enumerable.Reverse(expected).ToList();
        Assert.Equal(ordered.Select(Key), seen.Select(Key));
        Assert.Equal((expected.Count + 6) / 7, pages);
    }

    [Theory]
    [InlineData(PageOrder.NewestFirst, null)]
    [InlineData(PageOrder.OldestFirst, null)]
    [InlineData(PageOrder.NewestFirst, 2)]
    [InlineData(PageOrder.OldestFirst, 3)]
    public void AStreamsTimeWindowIsPagedCountedAndChartedExactly(PageOrder order, int? minLevel)
    {
        // Several batches, entries sharing timestamps within a batch, windows whose edges fall inside and between them.
        var store = Open();
        using var api = new TestStream("acme", "api");
        using var web = new TestStream("globex", "web");
        var all = new List<EntryRecord>();
        for (var batch = 0; batch < 12; batch++)
        {
            var time = T0 + (batch * Minute);
            List<EntryRecord> entries = batch == 0 ? [api.Open(time), web.Open(time)] : [];
            for (var i = 0; i < 5; i++)
            {
                entries.Add((i % 2 == 0 ? api : web).Data(time, level: (byte)((batch + i) % 6), node: $"node-{i % 2}"));
            }

            store.AppendBatch(new DecidedBatchWrite(batch, entries, [api.Head(), web.Head()]));
            all.AddRange(entries);
        }

        foreach (var (from, to) in new (long?, long?)[] { (T0 + (3 * Minute), T0 + (7 * Minute)), (T0 + (3 * Minute) + 1, null), (null, T0 + (5 * Minute)), (T0 - 1, T0), (T0 + (20 * Minute), null) })
        {
            var filter = new EntryFilter { StreamId = "acme/api", FromMicros = from, ToMicros = to, MinLevel = (byte?)minLevel };
            var matching = all.Select((entry, index) => (entry, index))
                .Where(pair => pair.entry.StreamId == "acme/api" && (from is null || pair.entry.TimestampMicros >= from)
                    && (to is null || pair.entry.TimestampMicros < to) && (minLevel is null || pair.entry.Level >= minLevel))
                .OrderBy(pair => pair.entry.TimestampMicros).ThenBy(pair => pair.index).Select(pair => pair.entry).ToList();
            var expected = order == PageOrder.OldestFirst ? matching : Enumerable.Reverse(matching).ToList();

            var seen = new List<EntryRecord>();
            string? cursor = null;
            do
            {
                var page = store.Query(new EntryQuery { Filter = filter, Order = order, PageSize = 2, Cursor = cursor });
                seen.AddRange(page.Entries);
                cursor = page.NextCursor;
            }
            while (cursor is not null);

            Assert.Equal(expected.Select(Key), seen.Select(Key));
            Assert.Equal(matching.Count, store.Count(filter));
            var histogram = matching.GroupBy(e => (Start: e.TimestampMicros / Minute * Minute, e.Level)).OrderBy(g => g.Key.Start).ThenBy(g => g.Key.Level)
                .Select(g => new HistogramBucket(g.Key.Start, g.Key.Level, g.Count()));
            Assert.Equal(histogram, store.Histogram(filter, Minute));
        }
    }

    [Fact]
    public void QueryRejectsACursorItDidNotIssue()
    {
        var (store, _) = Populate(5);
        Assert.Throws<ArgumentException>(() => store.Query(new EntryQuery { Cursor = "not-a-cursor" }));
        Assert.Throws<ArgumentOutOfRangeException>(() => store.Query(new EntryQuery { PageSize = 0 }));
    }

    [Fact]
    public void HistogramCountsEntriesPerBucketAndLevel()
    {
        var (store, all) = Populate();
        const long bucket = 10 * Minute;
        var filter = new EntryFilter { Tenant = "acme" };
        var expected = all.Where(e => e.Tenant == "acme")
            .GroupBy(e => (Start: e.TimestampMicros / bucket * bucket, e.Level))
            .OrderBy(g => g.Key.Start).ThenBy(g => g.Key.Level)
            .Select(g => new HistogramBucket(g.Key.Start, g.Key.Level, g.Count()))
            .ToList();

        Assert.Equal(expected, store.Histogram(filter, bucket));
    }

    private static string Key(EntryRecord entry) => $"{entry.StreamId}#{entry.Sequence}";
}
