using LogService.Sealing.Tests.Support;
using LogService.Sealing.Verification;

namespace LogService.Sealing.Tests;

public sealed class StreamSealerTests
{
    private readonly byte[] _secret = StreamGenesis.GenerateInitialSecret(new DeterministicRandom(3));

    [Fact]
    public void EntriesGetConsecutiveSequencesAndCarryTheirHeader()
    {
        using var sealer = StreamSealer.Create("tenant-a/app", _secret);
        var open = sealer.SealOpen(TestStream.Metadata(0, TestStream.Audit));
        var data = sealer.SealData(TestStream.Metadata(1, TestStream.Debug), TestStream.Body(1));

        Assert.Equal((0L, EntryKind.Open, PermissionMasks.Everyone), (open.Header.Sequence, open.Header.Kind, open.Header.PermissionMask));
        Assert.Equal(new EntryHeader("tenant-a/app", 1, 1_700_000_000_000_001, 1, "tenant-a", "cloud-1", "node-7", "svc-payments", "OrderPlaced", TestStream.Debug, EntryKind.Data), data.Header);
        Assert.Equal(data.Link.ToArray(), sealer.Head.ToArray());
        Assert.Equal(2, sealer.NextSequence);
    }

    [Fact]
    public void TheFirstEntryMustBeTheOpenEntryAndNothingFollowsClose()
    {
        using var sealer = StreamSealer.Create("tenant-a/app", _secret);
        Assert.Throws<InvalidOperationException>(() => sealer.SealData(TestStream.Metadata(1, 1), [1]));
        sealer.SealOpen(TestStream.Metadata(0, 1));
        Assert.Throws<InvalidOperationException>(() => sealer.SealOpen(TestStream.Metadata(0, 1)));
        sealer.SealClose(TestStream.Metadata(1, 1));
        Assert.Throws<InvalidOperationException>(() => sealer.SealData(TestStream.Metadata(2, 1), [1]));
    }

    [Fact]
    public void TrySealDataLeavesTheChainUntouchedWhenTheBufferIsTooSmall()
    {
        using var sealer = StreamSealer.Create("tenant-a/app", _secret);
        sealer.SealOpen(TestStream.Metadata(0, 1));
        var metadata = TestStream.Metadata(1, 1);
        var body = TestStream.Body(1);
        var buffer = new byte[sealer.GetEncodedLength(metadata, body.Length)];

        Assert.False(sealer.TrySealData(metadata, body, buffer.AsSpan(0, buffer.Length - 1), out _));
        Assert.Equal(1, sealer.NextSequence);
        Assert.True(sealer.TrySealData(metadata, body, buffer, out var written));
        Assert.Equal(buffer.Length, written);
    }

    [Fact]
    public void LevelsOutsideSerilogsRangeAreRefused()
    {
        using var sealer = StreamSealer.Create("tenant-a/app", _secret);
        Assert.Throws<ArgumentOutOfRangeException>(() => sealer.SealOpen(TestStream.Metadata(0, 1) with { Level = 6 }));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void BatchSealingProducesTheSameBytesAsSealingOneByOne(int parallelism)
    {
        const int count = 300;
        var metadata = Enumerable.Range(1, count).Select(i => TestStream.Metadata(i, i % 3 == 0 ? TestStream.Debug : TestStream.Audit)).ToArray();
        var bodies = Enumerable.Range(1, count).Select(i => (ReadOnlyMemory<byte>)TestStream.Body(i)).ToList();

        using var single = StreamSealer.Create("tenant-a/app", _secret);
        single.SealOpen(TestStream.Metadata(0, 1));
        var expected = bodies.SelectMany((body, i) => single.SealData(metadata[i], body.Span).Encoded.ToArray()).ToArray();

        using var batch = StreamSealer.Create("tenant-a/app", _secret);
        batch.SealOpen(TestStream.Metadata(0, 1));
        var destination = new byte[expected.Length];
        var lengths = new int[count];
        Assert.True(batch.TrySealDataBatch(metadata, bodies, destination, lengths, out var written, parallelism));

        Assert.Equal(expected.Length, written);
        Assert.Equal(expected, destination);
        Assert.Equal(single.Head.ToArray(), batch.Head.ToArray());
        Assert.Equal(single.NextSequence, batch.NextSequence);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(21)]
    public void SealingABatchIntoArraysGivesTheEntriesSealedOneByOne(int count)
    {
        var metadata = Enumerable.Range(1, count).Select(i => TestStream.Metadata(i, i % 3 == 0 ? TestStream.Debug : TestStream.Audit)).ToArray();
        var bodies = Enumerable.Range(1, count).Select(i => (ReadOnlyMemory<byte>)TestStream.Body(i * 7)).ToList();

        using var single = StreamSealer.Create("tenant-a/app", _secret);
        single.SealOpen(TestStream.Metadata(0, 1));
        var expected = bodies.Select((body, i) => single.SealData(metadata[i], body.Span).Encoded.ToArray()).ToArray();

        using var batch = StreamSealer.Create("tenant-a/app", _secret);
        batch.SealOpen(TestStream.Metadata(0, 1));
        var sealedEntries = batch.SealDataBatch(metadata, bodies);

        Assert.Equal(expected, sealedEntries);
        Assert.Equal(single.Head.ToArray(), batch.Head.ToArray());
        Assert.Equal(single.ExportState().Encode(), batch.ExportState().Encode());
        Assert.Equal(single.SealData(metadata[0], bodies[0].Span).Encoded.ToArray(), batch.SealData(metadata[0], bodies[0].Span).Encoded.ToArray());
    }

    [Fact]
    public void ABatchIntoArraysIsCheckedWholeBeforeAnythingIsSealed()
    {
        using var sealer = StreamSealer.Create("tenant-a/app", _secret);
        Assert.Throws<InvalidOperationException>(() => sealer.SealDataBatch([TestStream.Metadata(1, 1)], [TestStream.Body(1)]));
        sealer.SealOpen(TestStream.Metadata(0, 1));
        var head = sealer.Head.ToArray();

        Assert.Throws<ArgumentException>(() => sealer.SealDataBatch([TestStream.Metadata(1, 1)], []));
        Assert.Throws<ArgumentException>(() => sealer.SealDataBatch(
            [TestStream.Metadata(1, 1), TestStream.Metadata(2, 1)],
            [TestStream.Body(1), new byte[LogService.Sealing.Format.EntryFormat.MaxBodyBytes + 1]]));
        Assert.Equal(1, sealer.NextSequence);
        Assert.Equal(head, sealer.Head.ToArray());
    }

    [Fact]
    public void AResumedSealerContinuesTheSameChain()
    {
        using var straight = StreamSealer.Create("tenant-a/app", _secret);
        using var first = StreamSealer.Create("tenant-a/app", _secret);
        straight.SealOpen(TestStream.Metadata(0, 1));
        first.SealOpen(TestStream.Metadata(0, 1));
        straight.SealData(TestStream.Metadata(1, 1), TestStream.Body(1));
        first.SealData(TestStream.Metadata(1, 1), TestStream.Body(1));

        using var state = SealerState.Decode(first.ExportState().Encode());
        using var resumed = StreamSealer.Resume(state);

        Assert.Equal(
            straight.SealData(TestStream.Metadata(2, 1), TestStream.Body(2)).Encoded.ToArray(),
            resumed.SealData(TestStream.Metadata(2, 1), TestStream.Body(2)).Encoded.ToArray());
    }

    [Fact]
    public void RotationHandsTheChainToANewSecretThatVerificationMustBeGiven()
    {
        var next = StreamGenesis.GenerateInitialSecret(new DeterministicRandom(11));
        var entries = new List<ReadOnlyMemory<byte>>();
        using (var sealer = StreamSealer.Create("tenant-a/app", _secret))
        {
            entries.Add(sealer.SealOpen(TestStream.Metadata(0, 1)).Encoded);
            entries.Add(sealer.SealData(TestStream.Metadata(1, 1), TestStream.Body(1)).Encoded);
            entries.Add(sealer.SealRotation(TestStream.Metadata(2, 1), next).Encoded);
            entries.Add(sealer.SealData(TestStream.Metadata(3, 1), TestStream.Body(3)).Encoded);
            entries.Add(sealer.SealClose(TestStream.Metadata(4, 1)).Encoded);
        }

        var rotations = new Dictionary<long, byte[]> { [2] = next };
        var wrong = new Dictionary<long, byte[]> { [2] = _secret };

        Assert.True(StreamVerifier.VerifyFull("tenant-a/app", _secret, entries, new VerificationOptions { RotationSecrets = rotations }).IsValid);
        Assert.Equal(VerificationFailure.MissingRotationSecret, StreamVerifier.VerifyFull("tenant-a/app", _secret, entries).FirstFailure!.Failure);
        Assert.Equal(VerificationFailure.BadControlEntry, StreamVerifier.VerifyFull("tenant-a/app", _secret, entries, new VerificationOptions { RotationSecrets = wrong }).FirstFailure!.Failure);
        using var keys = KeyRelease.Derive(_secret, 3, [1UL], 1, rotations);
        Assert.Equal(TestStream.Body(3), EntryDecryptor.Decrypt(SealedEntry.Decode(entries[3]), keys));
    }
}
