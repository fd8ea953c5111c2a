using LogService.Core.Commands;
using LogService.Core.Entries;
using LogService.Core.Replica;
using LogService.Sealing;
using LogService.Sealing.Verification;

namespace LogService.Core.Tests.Replica;

public sealed class LogCoreStateMachineTests : IDisposable
{
    private static readonly WriterIdentity Writer = new("acme", "cloud-a", "web-1", "svc-orders");
    private readonly ReplicaGroup _group = new();

    public void Dispose() => _group.Dispose();

    [Fact]
    public void CorrectReplicasStoreByteIdenticalSealedEntriesAndHeads()
    {
        _group.Decide(_group.PrepareStream("acme", "orders"));
        for (var i = 0; i < 5; i++)
        {
            _group.Decide(Append("acme/orders", $"batch-{i}", 20), Append("acme/orders", $"other-{i}", 3));
        }

        var reference = _group.SealedEntries(0, "acme/orders");
        Assert.Equal(1 + (5 * 23), reference.Count);
        for (var replica = 1; replica < 4; replica++)
        {
            var entries = _group.SealedEntries(replica, "acme/orders");
            Assert.Equal(reference.Count, entries.Count);
            for (var j = 0; j < entries.Count; j++)
            {
                Assert.True(reference[j].Span.SequenceEqual(entries[j].Span), $"replica {replica} differs at entry {j}");
            }

            var head = _group.Store(replica).GetHead("acme/orders")!;
            var referenceHead = _group.Store(0).GetHead("acme/orders")!;
            Assert.Equal(referenceHead.YHead, head.YHead);
            Assert.Equal(referenceHead.MerkleState, head.MerkleState);
            Assert.NotEqual(referenceHead.SealerState, head.SealerState);
        }
    }

    [Fact]
    public void StoredStreamVerifiesInFullWithTheKeyServicesInitialSecret()
    {
        _group.Decide(_group.PrepareStream("acme", "orders"));
        _group.Decide(Append("acme/orders", "b1", 50));
        _group.Decide(new CloseStreamCommand("acme/orders"));

        var report = StreamVerifier.VerifyFull("acme/orders", _group.InitialSecrets["acme/orders"], _group.SealedEntries(2, "acme/orders"), new VerificationOptions { RequireClosed = true });

        Assert.True(report.IsValid, report.ToString());
        Assert.Equal(52, report.EntriesVerified);
    }

    [Fact]
    public void TamperingWithAStoredEntryIsLocatedByVerification()
    {
        _group.Decide(_group.PrepareStream("acme", "orders"));
        _group.Decide(Append("acme/orders", "b1", 30));
        var entries = _group.SealedEntries(1, "acme/orders").Select(e => e.ToArray()).ToArray();
        entries[17][^40] ^= 0x01;

        var report = StreamVerifier.VerifyFull("acme/orders", _group.InitialSecrets["acme/orders"], entries.Select(e => (ReadOnlyMemory<byte>)e).ToArray());

        Assert.False(report.IsValid);
        Assert.Equal(17, report.FirstFailure!.Sequence);
    }

    [Fact]
    public void TheWritersSourceSequenceIsSealedIntoTheBodyOnEveryReplica()
    {
        _group.Decide(_group.PrepareStream("acme", "orders"));
        _group.Decide(AppendWithSourceSequences("acme/orders", "b1", 41, 42, 44), Append("acme/orders", "b2", 1));

        for (var replica = 0; replica < 4; replica++)
        {
            Assert.Equal([41L, 42L, 44L, null], _group.ReadBodies(replica, "acme/orders").Select(b => b.SourceSequence));
        }
    }

    [Fact]
    public void TamperingWithASealedSourceSequenceFailsVerification()
    {
        _group.Decide(_group.PrepareStream("acme", "orders"));
        _group.Decide(AppendWithSourceSequences("acme/orders", "b1", 7, 8, 9));
        var entries = _group.SealedEntries(1, "acme/orders").Select(e => e.ToArray()).ToArray();

        // The sequence is the body's last 8 bytes, so its low byte is the ciphertext's last (GCM keeps positions),
        // just before the 16-byte tag, the 32-byte link Y and the 32-byte MAC.
        entries[2][^(16 + 32 + 32 + 1)] ^= 0x01;
        var report = StreamVerifier.VerifyFull("acme/orders", _group.InitialSecrets["acme/orders"], entries.Select(e => (ReadOnlyMemory<byte>)e).ToArray());

        Assert.False(report.IsValid);
        Assert.Equal(2, report.FirstFailure!.Sequence);
    }

    [Fact]
    public void EveryReplicaSignsTheSameStatementAndTheSignaturesVerify()
    {
        _group.Decide(_group.PrepareStream("acme", "orders"));
        var replies = _group.Decide(Append("acme/orders", "b1", 10));

        var agreed = CommandReply.AgreedPart(replies[0][0]).ToArray();
        for (var replica = 0; replica < 4; replica++)
        {
            Assert.Equal(agreed, CommandReply.AgreedPart(replies[replica][0]).ToArray());
            var reply = CommandReply.Decode(replies[replica][0]);
            Assert.Equal(CommandOutcome.Committed, reply.Outcome);
            Assert.Equal(replica, reply.ReplicaId);
            Assert.Equal(1, reply.Statement!.FirstSequence);
            Assert.Equal(10, reply.Statement.LastSequence);
            Assert.True(reply.Statement.Verify(reply.Signature, _group.PublicKeys[replica].SigningKey));
            Assert.False(reply.Statement.Verify(reply.Signature, _group.PublicKeys[(replica + 1) % 4].SigningKey));
        }
    }

    [Fact]
    public void ARetriedBatchIsAcknowledgedAgainButNotAppendedTwice()
    {
        _group.Decide(_group.PrepareStream("acme", "orders"));
        var first = CommandReply.Decode(_group.Decide(Append("acme/orders", "retry-me", 5))[0][0]);
        var again = CommandReply.Decode(_group.Decide(Append("acme/orders", "retry-me", 5))[0][0]);

        Assert.Equal(CommandOutcome.Duplicate, again.Outcome);
        Assert.Equal(first.Statement!.FirstSequence, again.Statement!.FirstSequence);
        Assert.Equal(6, _group.SealedEntries(0, "acme/orders").Count);
    }

    [Fact]
    public void DeduplicationSurvivesARestart()
    {
        _group.Decide(_group.PrepareStream("acme", "orders"));
        _group.Decide(Append("acme/orders", "retry-me", 5));
        _group.Restart(3);

        var again = _group.Decide(Append("acme/orders", "retry-me", 5));

        Assert.Equal(CommandOutcome.Duplicate, CommandReply.Decode(again[3][0]).Outcome);
        Assert.Equal(6, _group.SealedEntries(3, "acme/orders").Count);
    }

    [Fact]
    public void ARestartedReplicaContinuesTheSameChain()
    {
        _group.Decide(_group.PrepareStream("acme", "orders"));
        _group.Decide(Append("acme/orders", "b1", 10));
        _group.Restart(2);
        _group.Decide(Append("acme/orders", "b2", 10));

        Assert.Equal(_group.SealedEntries(0, "acme/orders").Select(e => e.ToArray()), _group.SealedEntries(2, "acme/orders").Select(e => e.ToArray()));
        Assert.Equal(3, _group.Machine(2).LastExecutedInstance);
        var report = StreamVerifier.VerifyFull("acme/orders", _group.InitialSecrets["acme/orders"], _group.SealedEntries(2, "acme/orders"));
        Assert.True(report.IsValid, report.ToString());
    }

    [Fact]
    public void AWriterOfAnotherTenantIsRejectedAndNothingIsAppended()
    {
        _group.Decide(_group.PrepareStream("acme", "orders"));
        var intruder = new AppendEntriesCommand("acme/orders", Writer with { Tenant = "globex" }, "x", 1, [Draft("intrusion")]);

        var reply = CommandReply.Decode(_group.Decide(intruder)[0][0]);

        Assert.Equal(CommandOutcome.Rejected, reply.Outcome);
        Assert.Contains("globex", reply.Reason, StringComparison.Ordinal);
        Assert.Single(_group.SealedEntries(0, "acme/orders"));
    }

    [Fact]
    public void AMalformedCommandIsRejectedWithoutAffectingTheRestOfItsBatch()
    {
        _group.Decide(_group.PrepareStream("acme", "orders"));
        var good = LogCommandCodec.Encode(Append("acme/orders", "good", 2));
        var truncated = good[..^3];

        var replies = _group.DecideRaw(truncated, good);

        Assert.Equal(CommandOutcome.Rejected, CommandReply.Decode(replies[0][0]).Outcome);
        Assert.Equal(CommandOutcome.Committed, CommandReply.Decode(replies[0][1]).Outcome);
        Assert.Equal(3, _group.SealedEntries(0, "acme/orders").Count);
    }

    [Fact]
    public void ABatchWithOneBadEntryIsRejectedWholeAndTheChainDoesNotAdvance()
    {
        _group.Decide(_group.PrepareStream("acme", "orders"));
        var drafts = Enumerable.Range(0, 4).Select(i => Draft($"entry {i}")).ToList();
        drafts[2] = drafts[2][..^1];

        var reply = CommandReply.Decode(_group.Decide(new AppendEntriesCommand("acme/orders", Writer, "partial", 1, [.. drafts]))[1][0]);
        _group.Decide(Append("acme/orders", "after", 1));

        Assert.Equal(CommandOutcome.Rejected, reply.Outcome);
        var report = StreamVerifier.VerifyFull("acme/orders", _group.InitialSecrets["acme/orders"], _group.SealedEntries(1, "acme/orders"));
        Assert.True(report.IsValid, report.ToString());
        Assert.Equal(2, report.EntriesVerified);
    }

    [Fact]
    public void AReplicaWhoseEnvelopeDoesNotOpenStopsInsteadOfDiverging()
    {
        var command = _group.PrepareStream("acme", "orders");
        var swapped = command with { SecretEnvelopes = [command.SecretEnvelopes[1], command.SecretEnvelopes[0], command.SecretEnvelopes[2], command.SecretEnvelopes[3]] };

        Assert.Throws<ReplicaStateException>(() => _group.Decide(swapped));
    }

    [Fact]
    public void AnotherReplicasAtRestKeyCannotOpenAStoredSealerState()
    {
        _group.Decide(_group.PrepareStream("acme", "orders"));
        var head = _group.Store(0).GetHead("acme/orders")!;

        Assert.Throws<ReplicaStateException>(() => StreamState.Load(head, _group.Identities[1].AtRestKey));
        using var own = StreamState.Load(head, _group.Identities[0].AtRestKey);
        Assert.Equal(1, own.Sealer.NextSequence);
    }

    [Fact]
    public void EntriesCarryTheConsensusTimestampAndTheWritersIdentityInTheClearHeader()
    {
        _group.Decide(_group.PrepareStream("acme", "orders"));
        _group.Decide(Append("acme/orders", "b1", 1));

        var entry = SealedEntry.Decode(_group.SealedEntries(0, "acme/orders")[1]);

        Assert.Equal("web-1", entry.Header.SourceNode);
        Assert.Equal("svc-orders", entry.Header.SourceUser);
        Assert.Equal((1_760_000_000_000 + 14) * 1000, entry.Header.ConsensusTimestamp);
        Assert.Equal((byte)EntryLevel.Warning, entry.Header.Level);
    }

    private static AppendEntriesCommand Append(string streamId, string batchId, int count) =>
        new(streamId, Writer, batchId, 1, [.. Enumerable.Range(0, count).Select(i => Draft($"order {i} shipped"))]);

    private static AppendEntriesCommand AppendWithSourceSequences(string streamId, string batchId, params long[] sourceSequences) =>
        new(streamId, Writer, batchId, 1, [.. sourceSequences.Select(s => Draft($"order {s} shipped", s))]);

    private static byte[] Draft(string message, long? sourceSequence = null) => EntryCodec.EncodeDraft(new EntryDraft
    {
        Sequence = sourceSequence,
        Level = EntryLevel.Warning,
        EventType = EventTypes.FromTemplate("order {Id} shipped"),
        Body = new EntryBody { TimestampUnixMicros = 1_760_000_000_000_000, MessageTemplate = "order {Id} shipped", RenderedMessage = message },
    });
}
