using System.Security.Cryptography;
using LogService.Core.Commands;
using LogService.Core.Entries;
using LogService.Core.Replica;

namespace LogService.Core.Tests.Replica;

public sealed class CertifiedHeadTests : IDisposable
{
    private static readonly WriterIdentity Writer = new("acme", "cloud-a", "web-1", "svc-orders");
    private readonly ReplicaGroup _group = new();

    public CertifiedHeadTests()
    {
        _group.Decide(_group.PrepareStream("acme", "orders"));
        _group.Decide(Append("b1", 10));
    }

    public void Dispose() => _group.Dispose();

    [Fact]
    public void EveryReplicaSignsTheSameHeadStatementAndTheAssembledCertificateIsStoredEverywhere()
    {
        var certificate = _group.Certify("acme/orders");
        var replies = _group.Decide(new RecordCertificateCommand(certificate));

        Assert.Equal(10, certificate.Statement.LastSequence);
        Assert.Equal(11, certificate.Statement.FirstSequence);
        Assert.Equal(4, certificate.Signatures.Count);
        Assert.Null(certificate.Check(_group.KeySet));
        for (var replica = 0; replica < 4; replica++)
        {
            Assert.Equal(CommandOutcome.Committed, CommandReply.Decode(replies[replica][0]).Outcome);
            var stored = _group.Machine(replica).LatestCertificate("acme/orders")!;
            Assert.Equal(certificate.Encode(), stored.Encode());
            Assert.Equal(HeadConsistency.Consistent, _group.Machine(replica).CheckAgainst(stored).Consistency);
        }
    }

    [Fact]
    public void TheReadOnlyHeadQueryReturnsTheSameStatementTheOrderedCertificationSigns()
    {
        var certified = _group.Certify("acme/orders").Statement;

        var answer = CommandReply.Decode(_group.Machine(2).ExecuteReadOnly(LogQueries.Head("acme/orders")));

        Assert.Equal(certified.ToSignedBytes(), answer.Statement!.ToSignedBytes());
        Assert.True(_group.KeySet.Verify(answer.Statement, 2, answer.Signature));
        Assert.Empty(_group.Machine(2).ExecuteReadOnly(LogQueries.CertifiedHead("acme/orders")));
    }

    [Fact]
    public void CertifyingWithoutNamesCoversExactlyTheStreamsChangedSinceTheirLastCertificate()
    {
        _group.Decide(_group.PrepareStream("acme", "billing"));
        _group.Decide(new RecordCertificateCommand(_group.Certify("acme/orders")));
        _group.Decide(Append("b2", 1) with { StreamId = "acme/billing" });

        var replies = _group.Decide(new CertifyHeadsCommand([])).Select(r => CommandReply.Decode(r[0])).ToArray();

        Assert.All(replies, r => Assert.Equal(["acme/billing"], r.Statements.Select(s => s.StreamId)));
        Assert.Single(CommandReply.Decode(_group.Machine(0).ExecuteReadOnly(LogQueries.Head("acme/billing"))).Statements);
    }

    [Fact]
    public void AnOlderOrRepeatedCertificateIsIgnored()
    {
        var older = _group.Certify("acme/orders");
        _group.Decide(Append("b2", 5));
        var newer = _group.Certify("acme/orders");
        _group.Decide(new RecordCertificateCommand(newer));

        var again = _group.Decide(new RecordCertificateCommand(newer), new RecordCertificateCommand(older));

        Assert.All(again, r => Assert.Equal(CommandOutcome.Duplicate, CommandReply.Decode(r[0]).Outcome));
        Assert.All(again, r => Assert.Equal(CommandOutcome.Duplicate, CommandReply.Decode(r[1]).Outcome));
        Assert.Equal(15, _group.Machine(3).LatestCertificate("acme/orders")!.Statement.LastSequence);
    }

    [Fact]
    public void AForgedSignatureIsRejectedIdenticallyEverywhere()
    {
        var certificate = _group.Certify("acme/orders");
        var forged = certificate.Signatures.ToArray();
        forged[1] = forged[1] with { Signature = Flip(forged[1].Signature) };

        AssertRejectedEverywhere(certificate with { Signatures = forged }, "replica 1");
    }

    [Fact]
    public void OnlyTwoFSignaturesAreRejected()
    {
        var certificate = _group.Certify("acme/orders");

        AssertRejectedEverywhere(certificate with { Signatures = certificate.Signatures.Take(2).ToArray() }, "needs 3");
    }

    [Fact]
    public void ASignatureFromAKeyOutsideTheReplicaSetIsRejected()
    {
        var certificate = _group.Certify("acme/orders");
        using var outsider = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signatures = certificate.Signatures.Take(2).Append(new ReplicaSignature(4, certificate.Statement.Sign(outsider))).ToArray();
        var impostor = certificate.Signatures.Take(2).Append(new ReplicaSignature(3, certificate.Statement.Sign(outsider))).ToArray();

        AssertRejectedEverywhere(certificate with { Signatures = signatures }, "not in the replica key set");
        AssertRejectedEverywhere(certificate with { Signatures = impostor }, "replica 3");
    }

    [Fact]
    public void TheSameReplicaSigningTwiceDoesNotMakeAQuorum()
    {
        var certificate = _group.Certify("acme/orders");
        var s = certificate.Signatures;

        AssertRejectedEverywhere(certificate with { Signatures = [s[0], s[1], s[1]] }, "distinct");
    }

    [Fact]
    public void ACertificateForAStatementTheReplicasNeverSignedDoesNotVerify()
    {
        var certificate = _group.Certify("acme/orders");
        var altered = certificate.Statement with { YHead = Flip(certificate.Statement.YHead) };

        AssertRejectedEverywhere(certificate with { Statement = altered }, "does not verify");
    }

    [Fact]
    public void AReplicaWhoseDiskWasRolledBackNoticesItIsBehindACertifiedHead()
    {
        var oldDisk = _group.CopyDisk(1);
        _group.Decide(Append("b2", 5));
        var certificate = _group.Certify("acme/orders");
        _group.Decide(new RecordCertificateCommand(certificate));

        _group.RollBackDisk(1, oldDisk);

        var check = _group.Machine(1).CheckAgainst(_group.Machine(0).LatestCertificate("acme/orders")!);
        Assert.Equal(HeadConsistency.Behind, check.Consistency);
        Assert.Contains("10", check.Detail, StringComparison.Ordinal);
        Assert.Equal(HeadConsistency.Consistent, _group.Machine(0).CheckAgainst(certificate).Consistency);
    }

    [Fact]
    public void ARolledBackReplicaStopsRatherThanRecordACertificateItCannotHaveSigned()
    {
        var oldDisk = _group.CopyDisk(3);
        _group.Decide(Append("b2", 5));
        var certificate = _group.Certify("acme/orders");
        _group.RollBackDisk(3, oldDisk);

        var error = Assert.Throws<ReplicaStateException>(() => _group.Decide(new RecordCertificateCommand(certificate)));
        Assert.Contains("rolled back", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AStoreUnlikeWhatTheQuorumSignedIsReportedAsDivergedAndTheReplicaStops()
    {
        // What 2f+1 replicas would have signed had this replica's entry 5 been different: its store was altered.
        var entry5 = _group.Machine(0).SignedHead("acme/orders").Statement! with { FirstSequence = 6, LastSequence = 5, YHead = new byte[32] };
        var certificate = new HeadCertificate(entry5, _group.Identities.Select(i => new ReplicaSignature(i.ReplicaId, entry5.Sign(i.SigningKey))).ToArray());

        var check = _group.Machine(2).CheckAgainst(certificate);

        Assert.Equal(HeadConsistency.Diverged, check.Consistency);
        Assert.Contains("entry 5", check.Detail, StringComparison.Ordinal);
        Assert.Throws<ReplicaStateException>(() => _group.Decide(new RecordCertificateCommand(certificate)));
    }

    [Fact]
    public void CertificatesSurviveTheirEncodingAndAMalformedOneIsRejected()
    {
        var certificate = _group.Certify("acme/orders");
        var encoded = LogCommandCodec.Encode(new RecordCertificateCommand(certificate));

        var decoded = (RecordCertificateCommand)LogCommandCodec.Decode(encoded);
        var replies = _group.DecideRaw(encoded[..^5]);

        Assert.Equal(certificate.Encode(), decoded.Certificate.Encode());
        Assert.All(replies, r => Assert.Equal(CommandOutcome.Rejected, CommandReply.Decode(r[0]).Outcome));
    }

    private void AssertRejectedEverywhere(HeadCertificate certificate, string reason)
    {
        var replies = _group.Decide(new RecordCertificateCommand(certificate)).Select(r => CommandReply.Decode(r[0])).ToArray();

        Assert.All(replies, r => Assert.Equal(CommandOutcome.Rejected, r.Outcome));
        Assert.Single(replies.Select(r => r.Reason).Distinct());
        Assert.Contains(reason, replies[0].Reason, StringComparison.Ordinal);
        for (var replica = 0; replica < 4; replica++)
        {
            Assert.Null(_group.Machine(replica).LatestCertificate("acme/orders"));
            Assert.Equal(HeadConsistency.InvalidCertificate, _group.Machine(replica).CheckAgainst(certificate).Consistency);
        }
    }

    private static byte[] Flip(byte[] bytes)
    {
        var copy = bytes.ToArray();
        copy[7] ^= 0x20;
        return copy;
    }

    private static AppendEntriesCommand Append(string batchId, int count) =>
        new("acme/orders", Writer, batchId, 1, [.. Enumerable.Range(0, count).Select(i => EntryCodec.EncodeDraft(new EntryDraft
        {
            Level = EntryLevel.Information,
            EventType = EventTypes.FromTemplate("order {Id} shipped"),
            Body = new EntryBody { TimestampUnixMicros = 1_760_000_000_000_000, MessageTemplate = "order {Id} shipped", RenderedMessage = $"order {i} shipped" },
        }))]);
}
