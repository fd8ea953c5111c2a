using System.Text.Json.Nodes;
using LogService.Client.Models;
using LogService.Client.Offline;
using LogService.Sealing.Escrow;

namespace LogService.Client.Tests.Live;

/// <summary>The SDK against a real 4-replica deployment (processes on loopback, local issuers).</summary>
public sealed class LogServiceClientLiveTests(LiveCluster live) : IClassFixture<LiveCluster>
{
    private const string Stream = "acme/app";

    [Fact]
    public async Task AWriteGetsAVerifiedReceiptAndItsEntryComesBackWithAnInclusionProof()
    {
        using var client = live.Client("acme-admin");

        var receipt = await client.WriteAsync(Stream, Batch("proof me", 3) with { SequenceStart = 90 });
        var entry = await client.GetEntryAsync(Stream, receipt.FirstSequence!.Value + 1);

        Assert.Equal(("committed", 3L), (receipt.Outcome, receipt.Count));
        Assert.True(client.VerifyReceipt(receipt).ValidSigners.Count >= 2);
        Assert.Equal("proof me 1", entry.Body?.RenderedMessage);
        Assert.Equal(91, entry.Body?.SourceSequence);
        Assert.NotNull(entry.Proof);
    }

    [Fact]
    public async Task AnEntryOfAStreamNeverCertifiedComesBackProvenAgainstAHeadCertifiedOnDemand()
    {
        using var client = live.Client("acme-admin");
        var name = "fresh-" + Guid.NewGuid().ToString("N")[..8];
        await client.CreateStreamAsync(new CreateStreamRequest(name));
        var receipt = await client.WriteAsync("acme/" + name, Batch("first read", 2));

        // The situation under test: the stream has no certified head yet (they are made at checkpoints and on demand).
        var none = await Assert.ThrowsAsync<ProblemException>(() => client.GetCertifiedHeadAsync("acme/" + name));
        Assert.Equal(503, none.Status);

        var entry = await client.GetEntryAsync("acme/" + name, receipt.FirstSequence!.Value + 1);

        Assert.Equal("first read 1", entry.Body?.RenderedMessage);
        Assert.NotNull(entry.Proof);
        var head = await client.GetCertifiedHeadAsync("acme/" + name);
        Assert.True(head.Statement.LastSequence >= receipt.LastSequence, $"certified at {head.Statement.LastSequence}, written up to {receipt.LastSequence}");
    }

    [Fact]
    public async Task ARetriedBatchIdGetsTheOriginalReceiptNotASecondCopy()
    {
        using var client = live.Client("acme-writer");
        var batch = Batch("once", 2) with { BatchId = "retry-" + Guid.NewGuid().ToString("N") };

        var first = await client.WriteAsync(Stream, batch);
        var again = await client.WriteAsync(Stream, batch);

        Assert.Equal("duplicate", again.Outcome);
        Assert.Equal(first.FirstSequence, again.FirstSequence);
    }

    [Fact]
    public async Task TheClientFailsOverPastAnUnreachableReplica()
    {
        var urls = new[] { new Uri("http://127.0.0.1:9/") }.Concat(live.Cluster.ReplicaUrls).ToList();
        using var client = live.Client("acme-writer", urls);

        var receipt = await client.WriteAsync(Stream, Batch("failover", 1));

        Assert.Equal("committed", receipt.Outcome);
    }

    [Fact]
    public async Task QueriesStreamEveryPage()
    {
        using var client = live.Client("acme-admin");
        var marker = Guid.NewGuid().ToString("N");
        await client.WriteAsync(Stream, Batch(marker, 7));

        var found = new List<LogEntry>();
        await foreach (var entry in client.QueryAsync(new EntryQuery { Streams = [Stream], Text = marker, Limit = 3, Order = "oldest" }))
        {
            found.Add(entry);
        }

        Assert.Equal(7, found.Count);
        Assert.Equal([.. Enumerable.Range(0, 7).Select(i => $"{marker} {i}")], found.Select(e => e.Body!.RenderedMessage));
        Assert.All(found, e => Assert.Null(e.Body!.SourceSequence)); // the batch sent no sequenceStart
    }

    [Fact]
    public async Task AnExportVerifiesOfflineWithLinksAndWithAuditorSharesAndATamperedByteIsNamed()
    {
        using var writer = live.Client("acme-admin");
        using var auditor = live.Client("acme-auditor");
        await writer.WriteAsync(Stream, Batch("export", 5));
        await writer.CreateCertifiedHeadAsync(Stream);

        var bundle = await writer.ExportAsync(Stream);
        var shares = await auditor.SplitEscrowAsync(Stream, 2, 3);
        var secret = EscrowShares.Combine(shares.Take(2));

        Assert.True(OfflineVerifier.Verify(bundle, live.Keys, default).IsValid);
        var full = OfflineVerifier.Verify(bundle, live.Keys, secret);
        Assert.True(full.IsValid, full.Detail);
        Assert.Equal("full", full.Mode);
        Assert.Throws<ShareIntegrityException>(() => EscrowShares.Combine(shares.Take(1)));

        var victim = bundle.Entries.Count - 2;
        var tampered = bundle.Entries.Select(e => e with { Sealed = (byte[])e.Sealed.Clone() }).ToList();
        tampered[victim].Sealed[^40] ^= 0x01;
        var report = OfflineVerifier.Verify(bundle with { Entries = tampered }, live.Keys, secret);
        Assert.False(report.IsValid);
        Assert.Equal(tampered[victim].Sequence, report.FailedSequence);
    }

    [Fact]
    public async Task TheCertifiedHeadsBeforeAndAfterAWriteAreConsistent()
    {
        using var client = live.Client("acme-admin");
        await client.WriteAsync(Stream, Batch("before", 1));
        var older = await client.CreateCertifiedHeadAsync(Stream);
        await client.WriteAsync(Stream, Batch("after", 2));
        var newer = await client.CreateCertifiedHeadAsync(Stream);

        await client.VerifyConsistencyAsync(older, newer);
        var own = await client.GetHeadAsync(Stream);

        Assert.True(own.Statement.LastSequence >= newer.Statement.LastSequence);
    }

    [Fact]
    public async Task ServiceRefusalsArriveAsTypedProblems()
    {
        using var client = live.Client("acme-writer");

        var missing = await Assert.ThrowsAsync<ProblemException>(() => client.WriteAsync("acme/no-such-stream", Batch("x", 1)));
        var bad = await Assert.ThrowsAsync<ProblemException>(() => client.WriteAsync(Stream, Batch("x", 1) with
        {
            Entries = [new NewEntry { Timestamp = DateTimeOffset.UtcNow, Level = "Loud" }],
        }));

        Assert.Equal(404, missing.Status);
        Assert.Equal((400, "urn:logservice:problem:ingest:invalid-entry"), (bad.Status, bad.Type));
        Assert.Contains("Loud", bad.Detail, StringComparison.Ordinal);
    }

    private static NativeBatch Batch(string text, int count) => new()
    {
        Source = new SourceHints("orders", "web-1"),
        Entries = [.. Enumerable.Range(0, count).Select(i => new NewEntry
        {
            Timestamp = DateTimeOffset.UtcNow,
            Level = "Warning",
            MessageTemplate = text + " {N}",
            RenderedMessage = $"{text} {i}",
            Properties = new JsonObject { ["N"] = i },
        })],
    };
}
