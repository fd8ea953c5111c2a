using LogService.Storage.Tests.Support;

namespace LogService.Storage.Tests;

/// <summary>The store contract; every engine runs the same tests through a derived class.</summary>
public abstract partial class LogStoreContractTests : IDisposable
{
    protected const long T0 = 1_700_000_000_000_000;
    private readonly List<ILogStore> _opened = [];

    /// <summary>Opens the store called <paramref name="name"/>, creating it on first use.</summary>
    protected abstract ILogStore OpenStore(string name, int segmentEntries);

    protected ILogStore Open(string name = "main", int segmentEntries = 4)
    {
        var store = OpenStore(name, segmentEntries);
        _opened.Add(store);
        return store;
    }

    public virtual void Dispose()
    {
        foreach (var store in _opened)
        {
            store.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    [Fact]
    public void NewStoreHasAppliedNothing()
    {
        var store = Open();
        Assert.Equal(-1, store.LastAppliedInstance);
        Assert.Empty(store.GetHeads());
        Assert.Null(store.GetHead("acme/api"));
        Assert.Empty(store.ReadRange("acme/api", 0, 100).Entries);
    }

    [Fact]
    public void AppendedBatchIsReadableByStreamAndSequenceRange()
    {
        var store = Open();
        using var api = new TestStream("acme", "api");
        using var db = new TestStream("acme", "db");
        List<EntryRecord> entries = [api.Open(T0), db.Open(T0), api.Data(T0 + 1), api.Data(T0 + 2), db.Data(T0 + 3)];
        store.AppendBatch(new DecidedBatchWrite(0, entries, [api.Head(), db.Head()]));

        var slice = store.ReadRange("acme/api", 1, 2);
        Assert.Equal([1L, 2L], slice.Entries.Select(e => e.Sequence));
        Assert.Empty(slice.Removed);
        AssertSameEntry(entries[2], slice.Entries[0]);
        Assert.Equal(3, store.ReadRange("acme/api", 0, long.MaxValue).Entries.Count);
        Assert.Null(ChainVerifier.VerifyFromGenesis(store.ReadRange("acme/db", 0, 10).Entries, "acme/db"));
    }

    [Fact]
    public void AppendedBatchMovesHeadsAndAppliedInstance()
    {
        var store = Open();
        using var api = new TestStream("acme", "api");
        store.AppendBatch(new DecidedBatchWrite(5, [api.Open(T0), api.Data(T0 + 1)], [api.Head(new RetentionPolicy(1_000, 50))]));

        Assert.Equal(5, store.LastAppliedInstance);
        var head = Assert.Single(store.GetHeads());
        var expected = api.Head(new RetentionPolicy(1_000, 50));
        Assert.Equal(expected.StreamId, head.StreamId);
        Assert.Equal(1, head.LastSequence);
        Assert.Equal(expected.YHead, head.YHead);
        Assert.Equal(expected.MerkleState, head.MerkleState);
        Assert.Equal(expected.SealerState, head.SealerState);
        Assert.Equal(expected.Retention, head.Retention);
    }

    [Fact]
    public void StateSurvivesReopening()
    {
        using var api = new TestStream("acme", "api");
        var first = Open("durable");
        first.AppendBatch(new DecidedBatchWrite(1, [api.Open(T0), api.Data(T0 + 1)], [api.Head()]));
        first.AppendBatch(new DecidedBatchWrite(2, [api.Data(T0 + 2)], [api.Head()]));
        first.Dispose();

        var second = Open("durable");
        Assert.Equal(2, second.LastAppliedInstance);
        Assert.Equal(2, second.GetHead("acme/api")!.LastSequence);
        Assert.Null(ChainVerifier.VerifyFromGenesis(second.ReadRange("acme/api", 0, 10).Entries, "acme/api"));
    }

    [Fact]
    public void BatchNotAfterTheAppliedInstanceIsRejectedAndChangesNothing()
    {
        var store = Open();
        using var api = new TestStream("acme", "api");
        store.AppendBatch(new DecidedBatchWrite(3, [api.Open(T0)], [api.Head()]));

        var stale = new DecidedBatchWrite(3, [api.Data(T0 + 1)], [api.Head()]);
        Assert.Throws<ArgumentException>(() => store.AppendBatch(stale));
        Assert.Equal(3, store.LastAppliedInstance);
        Assert.Single(store.ReadRange("acme/api", 0, 10).Entries);
    }

    [Fact]
    public void BatchWhoseHeadDisagreesWithItsEntriesIsRejected()
    {
        var store = Open();
        using var api = new TestStream("acme", "api");
        var open = api.Open(T0);
        var staleHead = api.Head();
        var data = api.Data(T0 + 1);

        Assert.Throws<ArgumentException>(() => store.AppendBatch(new DecidedBatchWrite(0, [open, data], [staleHead])));
        Assert.Throws<ArgumentException>(() => store.AppendBatch(new DecidedBatchWrite(0, [open, data], [])));
        Assert.Equal(-1, store.LastAppliedInstance);
    }

    [Fact]
    public void ConsensusTimeGoingBackAlongAStreamIsRefusedAndChangesNothing()
    {
        var store = Open();
        using var api = new TestStream("acme", "api");
        using var db = new TestStream("acme", "db");
        store.AppendBatch(new DecidedBatchWrite(1, [api.Open(T0 + 10), db.Open(T0)], [api.Head(), db.Head()]));

        // Earlier than the stream's stored entry; then earlier than the entry before it in the same batch. Another
        // stream's time does not matter: db may go on at T0 + 1.
        var afterStored = new DecidedBatchWrite(2, [db.Data(T0 + 1), api.Data(T0 + 9)], [db.Head(), api.Head()]);
        Assert.Contains("consensus time", Assert.Throws<ArgumentException>(() => store.AppendBatch(afterStored)).Message, StringComparison.Ordinal);
        using var fresh = new TestStream("acme", "fresh");
        var inBatch = new DecidedBatchWrite(2, [fresh.Open(T0 + 5), fresh.Data(T0 + 4)], [fresh.Head()]);
        Assert.Throws<ArgumentException>(() => store.AppendBatch(inBatch));

        Assert.Equal(1, store.LastAppliedInstance);
        Assert.Single(store.ReadRange("acme/api", 0, 10).Entries);
        Assert.Single(store.ReadRange("acme/db", 0, 10).Entries);
        Assert.Empty(store.ReadRange("acme/fresh", 0, 10).Entries);
        // Same time is fine: every entry of a batch carries the batch's timestamp.
        store.AppendBatch(new DecidedBatchWrite(2, [api.Data(T0 + 10)], [api.Head()]));
        Assert.Equal(2, store.ReadRange("acme/api", 0, 10).Entries.Count);
    }

    [Fact]
    public void AnUnusedSequenceBelowTheStreamsLastEntryIsRefused()
    {
        var store = Open();
        using var api = new TestStream("acme", "api");
        var open = api.Open(T0);
        var skipped = api.Data(T0 + 1);
        var third = api.Data(T0 + 2);
        store.AppendBatch(new DecidedBatchWrite(1, [open, third], [api.Head()]));

        Assert.Throws<ArgumentException>(() => store.AppendBatch(new DecidedBatchWrite(2, [skipped], [api.Head() with { LastSequence = 1 }])));
        Assert.Equal(1, store.LastAppliedInstance);
        Assert.Equal([0L, 2L], store.ReadRange("acme/api", 0, 10).Entries.Select(e => e.Sequence));
    }

    [Fact]
    public void FailedBatchLeavesNoTraceAndTheStoreRefusesFurtherUse()
    {
        using var api = new TestStream("acme", "api");
        using var db = new TestStream("acme", "db");
        var store = Open("faulty");
        var open = api.Open(T0);
        store.AppendBatch(new DecidedBatchWrite(1, [open], [api.Head()]));

        // The engine rejects the repeated sequence only after db's entries of the same batch were written.
        var clash = new DecidedBatchWrite(2, [db.Open(T0 + 1), db.Data(T0 + 2), open], [db.Head(), api.Head() with { LastSequence = 0 }]);
        var failure = Assert.Throws<LogStoreException>(() => store.AppendBatch(clash));
        Assert.Equal(StoreFailure.EngineError, failure.Failure);
        var refused = Assert.Throws<LogStoreException>(() => store.GetHeads());
        Assert.Equal(StoreFailure.Faulted, refused.Failure);
        store.Dispose();

        var reopened = Open("faulty");
        Assert.Equal(1, reopened.LastAppliedInstance);
        Assert.Empty(reopened.ReadRange("acme/db", 0, 10).Entries);
        Assert.Null(reopened.GetHead("acme/db"));
        Assert.Single(reopened.ReadRange("acme/api", 0, 10).Entries);
    }

    [Fact]
    public void RepeatedSequenceInsideAManyRowInsertLeavesNoTrace()
    {
        using var api = new TestStream("acme", "api");
        using var db = new TestStream("acme", "db");
        var store = Open("faulty-many");
        var open = api.Open(T0);
        store.AppendBatch(new DecidedBatchWrite(1, [open], [api.Head()]));

        // Engines insert many rows per statement; the clash sits in the middle of the first one.
        List<EntryRecord> entries = [db.Open(T0 + 1), .. Enumerable.Range(0, 12).Select(i => db.Data(T0 + 2 + i))];
        entries.Add(open);
        entries.AddRange(Enumerable.Range(0, 30).Select(i => db.Data(T0 + 20 + i)));
        var clash = new DecidedBatchWrite(2, entries, [db.Head(), api.Head() with { LastSequence = 0 }]);
        Assert.Equal(StoreFailure.EngineError, Assert.Throws<LogStoreException>(() => store.AppendBatch(clash)).Failure);
        store.Dispose();

        var reopened = Open("faulty-many");
        Assert.Equal(1, reopened.LastAppliedInstance);
        Assert.Empty(reopened.ReadRange("acme/db", 0, 100).Entries);
        Assert.Equal(0, reopened.Count(new EntryFilter { StreamId = "acme/db" }));
        Assert.Single(reopened.ReadRange("acme/api", 0, 10).Entries);
    }

    [Fact]
    public async Task PipelinedBatchesCommitInOrderAndCountAsAppliedOnceDurable()
    {
        using var api = new TestStream("acme", "api");
        var store = Open("pipelined");
        var first = store.AppendBatchPipelined(new DecidedBatchWrite(1, [api.Open(T0), api.Data(T0 + 1)], [api.Head()]));
        // Validated against the last committed batch, not the last durable one: the next follows at once.
        var second = store.AppendBatchPipelined(new DecidedBatchWrite(2, [api.Data(T0 + 2)], [api.Head()]));
        // Thrown at once, not through the task.
        Assert.Throws<ArgumentException>(() => { _ = store.AppendBatchPipelined(new DecidedBatchWrite(2, [api.Data(T0 + 3)], [api.Head()])); });
        Assert.Equal(3, store.ReadRange("acme/api", 0, 10).Entries.Count);

        await second;
        Assert.True(first.IsCompletedSuccessfully, "batches become durable in commit order");
        Assert.Equal(2, store.LastAppliedInstance);
        store.AppendBatch(new DecidedBatchWrite(3, [], [api.Head()]));
        Assert.Equal(3, store.LastAppliedInstance);
        store.Dispose();

        var reopened = Open("pipelined");
        Assert.Equal(3, reopened.LastAppliedInstance);
        Assert.Null(ChainVerifier.VerifyFromGenesis(reopened.ReadRange("acme/api", 0, 10).Entries, "acme/api"));
    }

    [Fact]
    public async Task PipelinedBatchesStillPendingAreMadeDurableWhenTheStoreCloses()
    {
        using var api = new TestStream("acme", "api");
        var store = Open("closing");
        var pending = Enumerable.Range(0, 5)
            .Select(i => store.AppendBatchPipelined(new DecidedBatchWrite(i, [i == 0 ? api.Open(T0) : api.Data(T0 + i)], [api.Head()])))
            .ToList();
        store.Dispose();

        await Task.WhenAll(pending);
        Assert.Equal(4, Open("closing").LastAppliedInstance);
    }

    [Fact]
    public void LatestCertifiedHeadIsTheOneWithTheHighestSequence()
    {
        var store = Open();
        Assert.Null(store.GetLatestCertifiedHead("acme/api"));
        store.RecordCertifiedHead(new CertifiedHead("acme/api", 10, [1], [2], 4, [3]));
        store.RecordCertifiedHead(new CertifiedHead("acme/api", 20, [4], [5], 9, [6]));
        store.RecordCertifiedHead(new CertifiedHead("acme/api", 20, [7], [8], 9, [9]));
        store.RecordCertifiedHead(new CertifiedHead("acme/db", 99, [1], [1], 9, [1]));

        var latest = store.GetLatestCertifiedHead("acme/api")!;
        Assert.Equal(20, latest.Sequence);
        Assert.Equal([7], latest.YHead);
        Assert.Equal([9], latest.Signatures);
    }

    protected static void AssertSameEntry(EntryRecord expected, EntryRecord actual)
    {
        Assert.Equal(expected with { SealedEntry = Array.Empty<byte>() }, actual with { SealedEntry = Array.Empty<byte>() });
        Assert.Equal(expected.SealedEntry, actual.SealedEntry);
    }
}
