using LogService.Sealing;
using LogService.Storage.Snapshots;
using LogService.Storage.Tests.Support;

namespace LogService.Storage.Tests;

/// <content>Snapshots for state transfer.</content>
public abstract partial class LogStoreContractTests
{
    /// <summary>A store with two streams over three batches, a certified head and (unless not <paramref name="cut"/>) a retention cut.</summary>
    private ILogStore BusyStore(string name, bool cut = true)
    {
        var store = Open(name, segmentEntries: 4);
        using var api = new TestStream("acme", "api");
        using var web = new TestStream("globex", "web");
        var policy = new RetentionPolicy(null, 8);
        store.AppendBatch(new DecidedBatchWrite(1, [api.Open(T0), web.Open(T0)], [api.Head(policy), web.Head()]));
        for (var instance = 2; instance <= 4; instance++)
        {
            var entries = Enumerable.Range(0, 5).Select(i => api.Data(T0 + (instance * Minute) + i)).Append(web.Data(T0 + (instance * Minute))).ToList();
            store.AppendBatch(new DecidedBatchWrite(instance, entries, [api.Head(policy), web.Head()]));
        }

        store.RecordCertifiedHead(new CertifiedHead("acme/api", 10, [1, 2], [3, 4], 3, [5, 6]));
        if (cut)
        {
            var due = store.PlanRetention("acme/api", T0 + (5 * Minute))!;
            var last = store.ReadRange("acme/api", due.LastSequence, due.LastSequence).Entries[0];
            store.ApplyRetention(due, SealedEntry.Decode(last.SealedEntry).Link.ToArray(), [7, 7]);
        }

        return store;
    }

    private static byte[] Export(ILogStore store, SnapshotScope scope)
    {
        using var buffer = new MemoryStream();
        store.ExportSnapshot(scope, buffer);
        return buffer.ToArray();
    }

    [Fact]
    public void WholeReplicaSnapshotReplacesAnotherStoresState()
    {
        var source = BusyStore("source");
        var snapshot = Export(source, SnapshotScope.WholeReplica);
        var target = Open("target");
        using (var other = new TestStream("initech", "old"))
        {
            target.AppendBatch(new DecidedBatchWrite(0, [other.Open(T0)], [other.Head()]));
        }

        target.ImportSnapshot(new MemoryStream(snapshot));

        Assert.Equal(4, target.LastAppliedInstance);
        Assert.Null(target.GetHead("initech/old"));
        Assert.Equal(source.GetHeads().Select(h => (h.StreamId, h.LastSequence, Convert.ToHexString(h.YHead), h.Retention)),
            target.GetHeads().Select(h => (h.StreamId, h.LastSequence, Convert.ToHexString(h.YHead), h.Retention)));
        Assert.Equal(10, target.GetLatestCertifiedHead("acme/api")!.Sequence);
        Assert.Single(target.GetTombstones("acme/api"));
        // Queries over the replaced entries answer as the source does, with nothing left of the target's own.
        foreach (var filter in (EntryFilter[])[new(), new() { SourceNode = "node-0" }, new() { SourceNode = "node-1", FromMicros = T0 + (3 * Minute), ToMicros = T0 + (4 * Minute) + 3 }])
        {
            foreach (var order in (PageOrder[])[PageOrder.NewestFirst, PageOrder.OldestFirst])
            {
                var query = new EntryQuery { Filter = filter, Order = order, PageSize = 50 };
                Assert.Equal(source.Query(query).Entries.Select(e => (e.StreamId, e.Sequence)), target.Query(query).Entries.Select(e => (e.StreamId, e.Sequence)));
            }

            Assert.Equal(source.Count(filter), target.Count(filter));
            Assert.Equal(source.Histogram(filter, Minute), target.Histogram(filter, Minute));
        }
        Assert.Equal(snapshot, Export(target, SnapshotScope.WholeReplica));
    }

    [Fact]
    public void StreamRangeSnapshotAddsJustThoseEntries()
    {
        var source = BusyStore("source");
        var snapshot = Export(source, SnapshotScope.StreamRange("globex/web", 1, 2));
        var target = Open("target");

        target.ImportSnapshot(new MemoryStream(snapshot));

        var copied = target.ReadRange("globex/web", 0, long.MaxValue).Entries;
        Assert.Equal([1L, 2L], copied.Select(e => e.Sequence));
        var original = source.ReadRange("globex/web", 1, 2).Entries;
        AssertSameEntry(original[0], copied[0]);
        AssertSameEntry(original[1], copied[1]);
        Assert.Equal(-1, target.LastAppliedInstance);
        Assert.Empty(target.ReadRange("acme/api", 0, long.MaxValue).Entries);
    }

    [Theory]
    [InlineData("altered")]
    [InlineData("truncated")]
    [InlineData("empty")]
    public void DamagedSnapshotIsRejectedAndChangesNothing(string damage)
    {
        var source = BusyStore("source");
        var snapshot = Export(source, SnapshotScope.WholeReplica);
        var damaged = damage switch
        {
            // Inside the last entry's sealed bytes: the digest, not the parser, has to notice.
            "altered" => snapshot.Select((b, i) => i == snapshot.Length - 100 ? (byte)(b ^ 0x01) : b).ToArray(),
            "truncated" => snapshot[..^40],
            _ => [],
        };
        var target = Open("target");
        using (var other = new TestStream("initech", "old"))
        {
            target.AppendBatch(new DecidedBatchWrite(0, [other.Open(T0)], [other.Head()]));
        }

        var failure = Assert.Throws<LogStoreException>(() => target.ImportSnapshot(new MemoryStream(damaged)));

        Assert.Equal(StoreFailure.InvalidSnapshot, failure.Failure);
        Assert.Equal(0, target.LastAppliedInstance);
        Assert.NotNull(target.GetHead("initech/old"));
        Assert.Null(target.GetHead("acme/api"));
    }

    [Fact]
    public void SummaryHoldsHeadsTombstonesAndOnlyTheLatestCertifiedHeadsButNoEntries()
    {
        var source = BusyStore("source");
        source.RecordCertifiedHead(new CertifiedHead("acme/api", 12, [1], [2], 4, [3]));

        var summary = SnapshotSummary.Read(Export(source, SnapshotScope.Summary));

        Assert.Equal(4, summary.AppliedInstance);
        Assert.Equal(["acme/api", "globex/web"], summary.Heads.Select(h => h.StreamId));
        Assert.Equal([12L], summary.CertifiedHeads.Select(c => c.Sequence));
        Assert.Single(summary.Tombstones);
        Assert.True(Export(source, SnapshotScope.Summary).Length < Export(source, SnapshotScope.WholeReplica).Length / 2);
    }

    [Fact]
    public void StreamRangePartsThenTheSummaryRebuildTheWholeReplica()
    {
        var source = BusyStore("source");
        source.RecordCertifiedHead(new CertifiedHead("acme/api", 12, [1], [2], 4, [3]));
        var target = Open("target");
        var oneEntry = source.ReadRange("acme/api", 15, 15).Entries[0].SealedEntry.Length;

        foreach (var head in source.GetHeads())
        {
            var from = source.GetTombstones(head.StreamId).Select(t => t.LastSequence + 1).DefaultIfEmpty(0).Max();
            while (from <= head.LastSequence)
            {
                // Two entries' worth at a time: every part but the last stops short of the range's end.
                var part = Export(source, SnapshotScope.StreamRange(head.StreamId, from, head.LastSequence, (2 * oneEntry) + 1));
                var imported = target.ImportSnapshot(new MemoryStream(part));
                Assert.Equal(from, imported.FirstSequence);
                Assert.InRange(imported.Entries, 1, 2);
                from = imported.LastSequence + 1;
            }
        }

        Assert.Null(target.GetHead("acme/api"));
        target.ImportSnapshot(new MemoryStream(Export(source, SnapshotScope.Summary)));

        // Byte for byte: the summaries, and each stream's entries with every certified head, including one over a cut range.
        Assert.Equal(Export(source, SnapshotScope.Summary), Export(target, SnapshotScope.Summary));
        foreach (var stream in (string[])["acme/api", "globex/web"])
        {
            Assert.Equal(Export(source, SnapshotScope.StreamRange(stream, 0, long.MaxValue)), Export(target, SnapshotScope.StreamRange(stream, 0, long.MaxValue)));
        }

        Assert.Equal(4, target.LastAppliedInstance);
        Assert.Equal(0, target.DiscardUnanchoredEntries());
    }

    [Fact]
    public void ARangeAlwaysCarriesAtLeastOneEntryAndOnlyTheCertifiedHeadsWithinIt()
    {
        var source = BusyStore("source");
        source.RecordCertifiedHead(new CertifiedHead("acme/api", 12, [1], [2], 3, [3]));
        source.RecordCertifiedHead(new CertifiedHead("acme/api", 14, [1], [2], 4, [3]));
        var target = Open("target");

        var first = target.ImportSnapshot(new MemoryStream(Export(source, SnapshotScope.StreamRange("acme/api", 13, 15, maxEntryBytes: 1))));
        Assert.Equal((1L, 13L, 13L), (first.Entries, first.FirstSequence, first.LastSequence));
        Assert.Null(target.GetLatestCertifiedHead("acme/api"));

        var rest = target.ImportSnapshot(new MemoryStream(Export(source, SnapshotScope.StreamRange("acme/api", 14, 15))));
        Assert.Equal((2L, 14L, 15L), (rest.Entries, rest.FirstSequence, rest.LastSequence));
        Assert.Equal(14, target.GetLatestCertifiedHead("acme/api")!.Sequence);
    }

    [Fact]
    public void EntriesBeyondTheirHeadsAreDiscardedAndOthersKept()
    {
        var source = BusyStore("source");
        var target = Open("target");
        using (var stream = new TestStream("initech", "kept"))
        {
            target.AppendBatch(new DecidedBatchWrite(0, [stream.Open(T0)], [stream.Head()]));
        }

        target.ImportSnapshot(new MemoryStream(Export(source, SnapshotScope.StreamRange("globex/web", 0, 2))));
        Assert.Equal(3, target.ReadRange("globex/web", 0, long.MaxValue).Entries.Count);

        Assert.Equal(3, target.DiscardUnanchoredEntries());

        Assert.Empty(target.ReadRange("globex/web", 0, long.MaxValue).Entries);
        Assert.Single(target.ReadRange("initech/kept", 0, long.MaxValue).Entries);
        Assert.Equal(0, target.DiscardUnanchoredEntries());
    }

    [Fact]
    public void ASummaryRemovesTheEntriesItsTombstonesCut()
    {
        var source = BusyStore("source");
        var target = Open("target");
        var cut = source.GetTombstones("acme/api").Single();
        // The same stream before any cut, as a replica that fetched it before the others' retention ran holds it.
        var uncut = BusyStore("uncut", cut: false);
        target.ImportSnapshot(new MemoryStream(Export(uncut, SnapshotScope.StreamRange("acme/api", 0, 15))));
        target.ImportSnapshot(new MemoryStream(Export(source, SnapshotScope.Summary)));

        var left = target.ReadRange("acme/api", 0, long.MaxValue).Entries.Select(e => e.Sequence).ToList();
        Assert.DoesNotContain(left, s => s >= cut.FirstSequence && s <= cut.LastSequence);
        Assert.Contains(cut.LastSequence + 1, left);
    }
}
