using LogService.Sealing;
using LogService.Storage.Tests.Support;

namespace LogService.Storage.Tests;

/// <content>Retention: whole segments go, a tombstone stays, and what remains still verifies.</content>
public abstract partial class LogStoreContractTests
{
    private static readonly byte[] MerkleRootAtCut = [0xAB, 0xCD];

    /// <summary>One stream of 22 entries (sequences 0..21), one per minute, with the given policy.</summary>
    private (ILogStore Store, List<EntryRecord> Entries) StreamWithPolicy(RetentionPolicy policy, string name = "main")
    {
        var store = Open(name, segmentEntries: 4);
        using var api = new TestStream("acme", "api");
        var entries = new List<EntryRecord> { api.Open(T0) };
        for (var i = 1; i < 22; i++)
        {
            entries.Add(api.Data(T0 + (i * Minute)));
        }

        store.AppendBatch(new DecidedBatchWrite(0, entries, [api.Head(policy)]));
        return (store, entries);
    }

    private static byte[] LinkOf(EntryRecord entry) => SealedEntry.Decode(entry.SealedEntry).Link.ToArray();

    [Fact]
    public void RetentionByCountRemovesWholeSegmentsAndLeavesATombstone()
    {
        var (store, entries) = StreamWithPolicy(new RetentionPolicy(null, 10));

        var cut = store.PlanRetention("acme/api", T0 + (30 * Minute))!;
        Assert.Equal((0L, 11L), (cut.FirstSequence, cut.LastSequence));
        Assert.Contains("max-count 10", cut.Policy, StringComparison.Ordinal);
        var tombstone = store.ApplyRetention(cut, LinkOf(entries[11]), MerkleRootAtCut);

        Assert.Equal(12, tombstone.RemovedCount);
        Assert.Equal(entries[11].TimestampMicros, tombstone.LastRemovedTimestampMicros);
        var slice = store.ReadRange("acme/api", 0, long.MaxValue);
        Assert.Equal(Enumerable.Range(12, 10).Select(i => (long)i), slice.Entries.Select(e => e.Sequence));
        var removed = Assert.Single(slice.Removed);
        Assert.Equal(tombstone, removed with { YHeadAtCut = tombstone.YHeadAtCut, MerkleRootAtCut = tombstone.MerkleRootAtCut });
        Assert.Equal(LinkOf(entries[11]), removed.YHeadAtCut);
        Assert.Equal(MerkleRootAtCut, removed.MerkleRootAtCut);
        Assert.Null(ChainVerifier.Verify(slice.Entries, removed.YHeadAtCut, removed.LastSequence + 1));
        Assert.NotNull(ChainVerifier.VerifyFromGenesis(slice.Entries, "acme/api"));
        Assert.Null(store.PlanRetention("acme/api", T0 + (30 * Minute)));
    }

    [Fact]
    public void RetentionByAgeCutsAtTheLastWholeSegmentOlderThanTheLimit()
    {
        var (store, entries) = StreamWithPolicy(new RetentionPolicy(30 * Minute, null));

        // At minute 40 the limit reaches entries of minutes 0..9 (sequences 0..9); whole segments end at 7.
        var cut = store.PlanRetention("acme/api", T0 + (40 * Minute))!;
        Assert.Equal((0L, 7L), (cut.FirstSequence, cut.LastSequence));
        Assert.Contains("max-age", cut.Policy, StringComparison.Ordinal);
        store.ApplyRetention(cut, LinkOf(entries[7]), MerkleRootAtCut);

        var tombstone = Assert.Single(store.GetTombstones("acme/api"));
        Assert.Equal(8, tombstone.RemovedCount);
        Assert.Equal(T0 + (40 * Minute), tombstone.AppliedAtMicros);
        Assert.Equal(cut.Policy, tombstone.Policy);
        Assert.Equal(14, store.Count(new EntryFilter { StreamId = "acme/api" }));
        Assert.Empty(store.ReadRange("acme/api", 0, 7).Entries);
        Assert.Single(store.ReadRange("acme/api", 0, 7).Removed);
    }

    [Fact]
    public void RetentionRemovesNothingWhenNothingIsDue()
    {
        var (store, _) = StreamWithPolicy(new RetentionPolicy(60 * Minute, 100));
        Assert.Null(store.PlanRetention("acme/api", T0 + (30 * Minute)));

        var (keepAll, _) = StreamWithPolicy(RetentionPolicy.KeepAll, "keep-all");
        Assert.Null(keepAll.PlanRetention("acme/api", long.MaxValue / 2));
        Assert.Null(keepAll.PlanRetention("nobody/none", T0));
    }

    [Fact]
    public void ApplyingAStaleCutIsRejectedWithoutHarm()
    {
        var (store, entries) = StreamWithPolicy(new RetentionPolicy(null, 10));
        var cut = store.PlanRetention("acme/api", T0)!;
        store.ApplyRetention(cut, LinkOf(entries[11]), MerkleRootAtCut);

        Assert.Throws<ArgumentException>(() => store.ApplyRetention(cut, LinkOf(entries[11]), MerkleRootAtCut));
        Assert.Single(store.GetTombstones("acme/api"));
        Assert.Equal(10, store.ReadRange("acme/api", 0, long.MaxValue).Entries.Count);
    }
}
