using LogService.Sealing.Format;
using LogService.Sealing.Tests.Support;
using LogService.Sealing.Verification;

namespace LogService.Sealing.Tests.Verification;

public sealed class StreamVerifierTests
{
    private readonly TestStream _stream = TestStream.Build();

    private VerificationReport Full(IReadOnlyList<ReadOnlyMemory<byte>> entries, VerificationOptions? options = null, byte[]? secret = null) =>
        StreamVerifier.VerifyFull(_stream.StreamId, secret ?? _stream.InitialSecret, entries, options);

    [Fact]
    public void AnIntactStreamPassesFullVerification()
    {
        var report = Full(_stream.Entries, new VerificationOptions { RequireClosed = true, KnownHead = new KnownHead(_stream.Entries.Count, _stream.Head) });

        Assert.True(report.IsValid, report.ToString());
        Assert.Equal(_stream.Entries.Count, report.EntriesVerified);
        Assert.Equal(_stream.Entries.Count, report.EntriesDecrypted);
        Assert.True(report.IsClosed);
        Assert.Equal(_stream.Head.ToArray(), report.Head.ToArray());
    }

    [Fact]
    public void AnIntactStreamPassesLinkVerificationWithoutKeys()
    {
        var report = StreamVerifier.VerifyLinks(_stream.StreamId, _stream.Entries);

        Assert.True(report.IsValid, report.ToString());
        Assert.Equal(0, report.EntriesDecrypted);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(11)]
    [InlineData(34)]
    public void FlippingAnyByteOfAnEntryIsDetectedAtThatEntry(int position)
    {
        var length = _stream.Entries[position].Length;
        for (var i = 0; i < length; i++)
        {
            var report = Full(_stream.WithFlippedByte(position, i));

            Assert.False(report.IsValid, $"byte {i} of entry {position} flipped unnoticed");
            Assert.Equal(position, report.FirstFailure!.Position);
        }
    }

    [Fact]
    public void BodiesOfMixedSizesVerifyAndATamperedOneIsLocatedWhereverItFallsInAGroup()
    {
        // Entries are checked eight at a time; links longer than a few KiB take the one-at-a-time path.
        var secret = StreamGenesis.GenerateInitialSecret(new DeterministicRandom(9));
        int[] sizes = [0, 1, 300, 5000, 70, 4095, 9000, 12, 256, 256, 33, 20_000, 2, 700, 64, 65, 1000];
        var entries = new List<ReadOnlyMemory<byte>>();
        using (var sealer = StreamSealer.Create("tenant-a/mixed", secret))
        {
            entries.Add(sealer.SealOpen(TestStream.Metadata(0, TestStream.Audit)).Encoded);
            for (var i = 0; i < sizes.Length; i++)
            {
                var body = new byte[sizes[i]];
                new DeterministicRandom(i).Fill(body);
                entries.Add(sealer.SealData(TestStream.Metadata(i + 1, TestStream.Audit), body).Encoded);
            }
        }

        var intact = StreamVerifier.VerifyFull("tenant-a/mixed", secret, entries, new VerificationOptions { MaxDegreeOfParallelism = 1 });
        Assert.True(intact.IsValid, intact.ToString());
        Assert.Equal(entries.Count, intact.EntriesDecrypted);

        for (var position = 1; position < entries.Count; position++)
        {
            var tampered = entries.ToList();
            var bytes = tampered[position].ToArray();
            Assert.True(EntryLayout.TryParse(bytes, out var layout, out _));
            bytes[layout.CiphertextOffset + (layout.CiphertextLength / 2)] ^= 1;
            tampered[position] = bytes;

            var report = StreamVerifier.VerifyFull("tenant-a/mixed", secret, tampered);

            Assert.Equal((position, VerificationFailure.BrokenLink), (report.FirstFailure!.Position, report.FirstFailure.Failure));
            Assert.Equal(position, report.EntriesDecrypted);
        }
    }

    [Fact]
    public void FlippingAByteOfEveryFieldIsReportedWithTheFittingReason()
    {
        const int position = 7;
        var entry = _stream.Entries[position].Span;
        Assert.True(EntryLayout.TryParse(entry, out var layout, out _));
        var expectations = new (int Offset, VerificationFailure Failure)[]
        {
            (0, VerificationFailure.MalformedEntry),                  // version
            (2, VerificationFailure.Gap),                              // sequence, high byte
            (17, VerificationFailure.BrokenLink),                     // timestamp
            (26, VerificationFailure.BrokenLink),                     // permission mask
            (layout.StreamIdOffset, VerificationFailure.WrongStream), // stream id
            (layout.HeaderLength - 1, VerificationFailure.BrokenLink),// event type
            (layout.CiphertextOffset, VerificationFailure.BrokenLink),// ciphertext
            (layout.TagOffset, VerificationFailure.BrokenLink),       // tag
            (layout.LinkOffset, VerificationFailure.MacMismatch),     // link Y_j
            (layout.MacOffset + 31, VerificationFailure.MacMismatch), // MAC Z_j
        };

        foreach (var (offset, failure) in expectations)
        {
            var finding = Full(_stream.WithFlippedByte(position, offset)).FirstFailure;

            Assert.NotNull(finding);
            Assert.Equal((position, failure), (finding.Position, finding.Failure));
            Assert.Equal(position, finding.Sequence);
        }
    }

    [Fact]
    public void ADeletedEntryIsReportedAsAGapAtItsSequence()
    {
        var entries = _stream.Copy();
        entries.RemoveAt(12);

        var finding = Full(entries).FirstFailure;

        Assert.Equal((12, 12L, VerificationFailure.Gap), (finding!.Position, finding.Sequence, finding.Failure));
    }

    [Fact]
    public void ADuplicatedEntryIsReportedAsADuplicate()
    {
        var entries = _stream.Copy();
        entries.Insert(9, entries[8]);

        var finding = Full(entries).FirstFailure;

        Assert.Equal((9, 8L, VerificationFailure.Duplicate), (finding!.Position, finding.Sequence, finding.Failure));
    }

    [Fact]
    public void SwappedEntriesAreReportedAsAReorderAtTheFirstDisplacedSequence()
    {
        var entries = _stream.Copy();
        (entries[20], entries[21]) = (entries[21], entries[20]);

        var finding = Full(entries).FirstFailure;

        Assert.Equal((20, 20L, VerificationFailure.Reorder), (finding!.Position, finding.Sequence, finding.Failure));
    }

    [Fact]
    public void AnOldEntryReplayedAtTheEndIsReportedAsAReplay()
    {
        var entries = _stream.Copy();
        entries.Add(entries[3]);

        var finding = Full(entries).FirstFailure;

        Assert.Equal(entries.Count - 1, finding!.Position);
        Assert.True(finding.Failure is VerificationFailure.Replay or VerificationFailure.EntryAfterClose);
    }

    [Fact]
    public void AnOldEntryReplayedIntoAnOpenStreamIsReportedAsAReplay()
    {
        var open = TestStream.Build(close: false);
        var entries = open.Copy();
        entries.Add(entries[3]);

        var finding = StreamVerifier.VerifyFull(open.StreamId, open.InitialSecret, entries).FirstFailure;

        Assert.Equal((entries.Count - 1, 3L, VerificationFailure.Replay), (finding!.Position, finding.Sequence, finding.Failure));
    }

    [Fact]
    public void AnEntrySplicedFromAnotherStreamIsReportedAsWrongStream()
    {
        var other = TestStream.Build(streamId: "tenant-b/app", seed: 2);
        var entries = _stream.Copy();
        entries[6] = other.Entries[6];

        var finding = Full(entries).FirstFailure;

        Assert.Equal((6, VerificationFailure.WrongStream), (finding!.Position, finding.Failure));
    }

    [Fact]
    public void AnEntrySplicedFromAStreamOfTheSameNameButAnotherSecretFailsItsMac()
    {
        var impostor = TestStream.Build(seed: 99);
        var entries = _stream.Copy();
        entries[6] = impostor.Entries[6];

        var finding = Full(entries).FirstFailure;

        Assert.Equal((6, VerificationFailure.MacMismatch), (finding!.Position, finding.Failure));
    }

    [Fact]
    public void ACutTailIsReportedAgainstAKnownCountAndHead()
    {
        var entries = _stream.Copy();
        entries.RemoveRange(30, entries.Count - 30);

        var finding = Full(entries, new VerificationOptions { KnownHead = new KnownHead(_stream.Entries.Count, _stream.Head) }).FirstFailure;

        Assert.Equal((30, 30L, VerificationFailure.Truncated), (finding!.Position, finding.Sequence, finding.Failure));
    }

    [Fact]
    public void ACutTailIsReportedWhenTheStreamMustBeClosed()
    {
        var entries = _stream.Copy();
        entries.RemoveAt(entries.Count - 1);

        var report = Full(entries, new VerificationOptions { RequireClosed = true });

        Assert.Equal(VerificationFailure.Truncated, report.FirstFailure!.Failure);
        Assert.Equal(entries.Count, report.FirstFailure.Position);
    }

    [Fact]
    public void SwappingPermissionMasksBetweenEntriesBreaksTheFirstLink()
    {
        var entries = _stream.Copy();
        var first = entries[3].ToArray();
        var second = entries[4].ToArray();
        (first[26], second[26]) = (second[26], first[26]);
        entries[3] = first;
        entries[4] = second;

        var finding = Full(entries).FirstFailure;

        Assert.Equal((3, VerificationFailure.BrokenLink), (finding!.Position, finding.Failure));
    }

    [Fact]
    public void TheWrongInitialSecretFailsAtTheOpenEntry()
    {
        var wrong = StreamGenesis.GenerateInitialSecret(new DeterministicRandom(42));

        var finding = Full(_stream.Entries, secret: wrong).FirstFailure;

        Assert.Equal((0, VerificationFailure.MacMismatch), (finding!.Position, finding.Failure));
    }

    [Fact]
    public void ParallelAndSequentialVerificationReportTheSameFirstFailure()
    {
        var big = TestStream.Build(dataEntries: 600);
        var entries = big.WithFlippedByte(450, 40);
        entries[500] = entries[499];

        var parallel = StreamVerifier.VerifyFull(big.StreamId, big.InitialSecret, entries, new VerificationOptions { MaxDegreeOfParallelism = 4 });
        var sequential = StreamVerifier.VerifyFull(big.StreamId, big.InitialSecret, entries, new VerificationOptions { MaxDegreeOfParallelism = 1 });

        Assert.Equal(sequential.FirstFailure, parallel.FirstFailure);
        Assert.Equal(450, parallel.FirstFailure!.Position);
    }

    [Fact]
    public void LinkVerificationStartsFromAnAnchorInsideTheStream()
    {
        var anchorLink = SealedEntry.Decode(_stream.Entries[9]).Link;
        var slice = _stream.Entries.Skip(10).ToList();

        var report = StreamVerifier.VerifyLinks(_stream.StreamId, slice, new VerificationOptions { Anchor = new ChainAnchor(10, anchorLink) });

        Assert.True(report.IsValid, report.ToString());
        Assert.Equal(_stream.Entries.Count, report.NextSequence);
    }

    [Fact]
    public void AStreamThatDoesNotBeginWithItsOpenEntryIsRejected()
    {
        var entries = _stream.Copy();
        entries.RemoveAt(0);

        var finding = Full(entries).FirstFailure;

        Assert.Equal((0, 0L, VerificationFailure.Gap), (finding!.Position, finding.Sequence, finding.Failure));
    }

    [Fact]
    public void GarbageInPlaceOfAnEntryIsReportedAsMalformed()
    {
        var entries = _stream.Copy();
        entries[4] = new byte[] { 1, 2, 3 };

        var finding = Full(entries).FirstFailure;

        Assert.Equal((4, VerificationFailure.MalformedEntry), (finding!.Position, finding.Failure));
    }
}
