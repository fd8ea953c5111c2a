using LogService.Sealing;
using LogService.Storage.Tests.Support;

namespace LogService.Storage.Tests;

/// <content>Snapshots for state transfer.</content>
public abstract partial class LogStoreContractTests
{
    /// <summary>A store with two streams over three batches, a certified head and a retention cut.</summary>
    private ILogStore BusyStore(string name)
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
        var cut = store.PlanRetention("acme/api", T0 + (5 * Minute))!;
        var last = store.ReadRange("acme/api", cut.LastSequence, cut.LastSequence).Entries[0];
        store.ApplyRetention(cut, SealedEntry.Decode(last.SealedEntry).Link.ToArray(), [7, 7]);
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
}
