using System.Security.Cryptography;
using LogService.Core.Commands;
using LogService.Core.Entries;
using LogService.Core.Replica;
using LogService.Sealing.Verification;
using LogService.Storage;

namespace LogService.Core.Tests.Replica;

public sealed class SnapshotTests : IDisposable
{
    private static readonly WriterIdentity Writer = new("acme", "cloud-a", "web-1", "svc-orders");
    private readonly ReplicaGroup _group = new();

    public SnapshotTests()
    {
        _group.Decide(_group.PrepareStream("acme", "orders"), _group.PrepareStream("acme", "billing"));
        _group.Decide(Append("acme/orders", "b1", 12), Append("acme/billing", "b2", 3));
        _group.Decide(new RecordCertificateCommand(_group.Certify("acme/orders")));
        _group.Decide(new CloseStreamCommand("acme/billing"));
    }

    public void Dispose() => _group.Dispose();

    [Fact]
    public void CorrectReplicasTakeByteIdenticalSnapshots()
    {
        var snapshots = Enumerable.Range(0, 4).Select(r => _group.Machine(r).TakeSnapshot()).ToArray();

        Assert.All(snapshots, s => Assert.Equal(snapshots[0], s));
        Assert.Equal(snapshots[0], _group.Machine(0).TakeSnapshot());
    }

    [Fact]
    public void SnapshotsStayIdenticalAfterARestartAndFurtherWrites()
    {
        _group.Machine(1).TakeSnapshot();
        _group.Restart(1);
        _group.Decide(Append("acme/orders", "b3", 4));

        var snapshots = Enumerable.Range(0, 4).Select(r => _group.Machine(r).TakeSnapshot()).ToArray();

        Assert.All(snapshots, s => Assert.Equal(snapshots[0], s));
    }

    [Fact]
    public void AReplicaRestoredFromAnothersSnapshotContinuesSealingIdentically()
    {
        var snapshot = _group.Machine(0).TakeSnapshot();
        _group.Machine(3).RestoreSnapshot(_group.Machine(0).LastExecutedInstance, snapshot);

        _group.Decide(Append("acme/orders", "after-restore", 7));
        _group.Restart(3);
        _group.Decide(Append("acme/orders", "after-restart", 2));

        Assert.Equal(_group.SealedEntries(0, "acme/orders").Select(e => e.ToArray()), _group.SealedEntries(3, "acme/orders").Select(e => e.ToArray()));
        Assert.Equal(_group.Machine(0).TakeSnapshot(), _group.Machine(3).TakeSnapshot());
        var report = StreamVerifier.VerifyFull("acme/orders", _group.InitialSecrets["acme/orders"], _group.SealedEntries(3, "acme/orders"));
        Assert.True(report.IsValid, report.ToString());
        Assert.Equal(22, report.EntriesVerified);
        Assert.NotNull(_group.Machine(3).LatestCertificate("acme/orders"));
    }

    [Fact]
    public void AWipedReplicaRebuildsFromTheSummaryAndTheStreamRangesItFetches()
    {
        var instance = _group.Machine(0).LastExecutedInstance;
        var snapshot = _group.Machine(0).TakeSnapshot();
        _group.Wipe(3);
        var wiped = _group.Machine(3);

        var parts = wiped.MissingParts(instance, snapshot);
        Assert.Equal(2, parts.Count);
        foreach (var first in parts)
        {
            for (var part = first; part is not null;)
            {
                var content = _group.Machine(1).ReadPart(part);
                Assert.NotNull(content);
                Assert.Equal(content, _group.Machine(2).ReadPart(part));
                part = wiped.WritePart(part, content);
            }
        }

        wiped.RestoreSnapshot(instance, snapshot);
        Assert.Empty(wiped.MissingParts(instance, snapshot));

        _group.Decide(Append("acme/orders", "after-restore", 5));
        Assert.Equal(_group.SealedEntries(0, "acme/orders").Select(e => e.ToArray()), _group.SealedEntries(3, "acme/orders").Select(e => e.ToArray()));
        Assert.Equal(_group.Machine(0).TakeSnapshot(), _group.Machine(3).TakeSnapshot());
        Assert.True(StreamVerifier.VerifyFull("acme/orders", _group.InitialSecrets["acme/orders"], _group.SealedEntries(3, "acme/orders")).IsValid);
        Assert.NotNull(wiped.LatestCertificate("acme/orders"));
    }

    [Fact]
    public void ASummaryIsNotRestoredWithoutTheEntriesItsHeadsEndWith()
    {
        var instance = _group.Machine(0).LastExecutedInstance;
        var snapshot = _group.Machine(0).TakeSnapshot();
        _group.Wipe(3);
        var wiped = _group.Machine(3);
        var parts = wiped.MissingParts(instance, snapshot);
        wiped.WritePart(parts[0], _group.Machine(0).ReadPart(parts[0])!);

        var refused = Assert.Throws<ReplicaStateException>(() => wiped.RestoreSnapshot(instance, snapshot));

        Assert.Contains("do not end with the head", refused.Message, StringComparison.Ordinal);
        Assert.Empty(_group.Store(3).GetHeads());
        Assert.Equal(0, wiped.LastExecutedInstance);
    }

    [Fact]
    public void APartThatIsNotTheOneAskedForIsRefusedAndLeavesNothing()
    {
        var snapshot = _group.Machine(0).TakeSnapshot();
        _group.Wipe(3);
        var parts = _group.Machine(3).MissingParts(_group.Machine(0).LastExecutedInstance, snapshot);
        var billing = parts.Single(p => System.Text.Encoding.UTF8.GetString(p).Contains("billing", StringComparison.Ordinal));
        var orders = parts.Single(p => p != billing);

        Assert.Throws<InvalidDataException>(() => _group.Machine(3).WritePart(orders, _group.Machine(0).ReadPart(billing)!));

        Assert.Empty(_group.Store(3).ReadRange("acme/billing", 0, long.MaxValue).Entries);
        Assert.Empty(_group.Store(3).ReadRange("acme/orders", 0, long.MaxValue).Entries);
    }

    [Fact]
    public void TheCheckpointSnapshotStaysSmallAsEntriesAccumulate()
    {
        var before = _group.Machine(0).TakeSnapshot().Length;
        for (var i = 0; i < 10; i++)
        {
            _group.Decide(Append("acme/orders", $"bulk-{i}", 50));
        }

        var after = _group.Machine(0).TakeSnapshot().Length;
        var stored = _group.Store(0).ReadRange("acme/orders", 0, long.MaxValue).Entries.Sum(e => e.SealedEntry.Length);

        // Only the heads' Merkle frontiers grow, by a hash per level.
        Assert.True(after - before < 1024, $"the snapshot grew from {before} to {after} bytes");
        Assert.True(after < stored / 20, $"a {after}-byte snapshot for {stored} bytes of entries");
    }

    [Fact]
    public void TheSnapshotHoldsNoSecretInTheClearNorAnyReplicasAtRestCiphertext()
    {
        var snapshot = _group.Machine(2).TakeSnapshot();
        var head = _group.Store(2).GetHead("acme/orders")!;
        using var state = StreamState.OpenSealerState(head, _group.Identities[2].AtRestKey);

        Assert.Equal(-1, snapshot.AsSpan().IndexOf(state.CurrentSecret));
        Assert.Equal(-1, snapshot.AsSpan().IndexOf(head.SealerState.AsSpan(0, 24)));
    }

    [Fact]
    public void OnlyTheAddressedReplicaOpensItsWrappingOfAStreamSecretAndOnlyForThatStreamAndSequence()
    {
        using var keys = new ReplicaKeySet(_group.PublicKeys);
        using var orders = new LogService.Sealing.SealerState("acme/orders", 13, RandomNumberGenerator.GetBytes(32), new byte[32], isClosed: false);
        using var billing = new LogService.Sealing.SealerState("acme/billing", 4, RandomNumberGenerator.GetBytes(32), new byte[32], isClosed: true);
        using var wrapping = PortableSealerState.Wrapping.Create([billing, orders], keys);
        var portable = wrapping.Encode(orders);
        using var opened = new PortableSealerState.OpenedKeys();

        using (var again = PortableSealerState.Wrapping.Create([billing, orders], keys))
        {
            Assert.Equal(portable, again.Encode(orders));
        }

        for (var r = 0; r < 4; r++)
        {
            using var state = PortableSealerState.Open("acme/orders", portable, _group.Identities[r], opened);
            Assert.True(state.CurrentSecret.SequenceEqual(orders.CurrentSecret));
            Assert.Equal(13, state.NextSequence);
        }

        Assert.Equal(-1, portable.AsSpan().IndexOf(orders.CurrentSecret));
        Assert.Throws<ReplicaStateException>(() => PortableSealerState.Open("acme/billing", portable, _group.Identities[1], opened));
        var laterSequence = (byte[])portable.Clone();
        laterSequence[9] ^= 1;
        Assert.Throws<ReplicaStateException>(() => PortableSealerState.Open("acme/orders", laterSequence, _group.Identities[1], opened));
        var othersWrapping = (byte[])portable.Clone();
        othersWrapping.AsSpan(portable.Length - 48, 48).CopyTo(othersWrapping.AsSpan(portable.Length - 96));
        Assert.Throws<ReplicaStateException>(() => PortableSealerState.Open("acme/orders", othersWrapping, _group.Identities[2], opened));
        using var outsider = new ReplicaIdentity(1, ECDsa.Create(ECCurve.NamedCurves.nistP256), ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256), RandomNumberGenerator.GetBytes(32));
        Assert.Throws<ReplicaStateException>(() => PortableSealerState.Open("acme/orders", portable, outsider, new PortableSealerState.OpenedKeys()));
    }

    [Fact]
    public void ACheckpointsEphemeralKeyDependsOnEveryStreamsSecret()
    {
        using var keys = new ReplicaKeySet(_group.PublicKeys);
        using var orders = new LogService.Sealing.SealerState("acme/orders", 13, RandomNumberGenerator.GetBytes(32), new byte[32], isClosed: false);
        using var billing = new LogService.Sealing.SealerState("acme/billing", 4, RandomNumberGenerator.GetBytes(32), new byte[32], isClosed: false);
        using var billingLater = new LogService.Sealing.SealerState("acme/billing", 4, RandomNumberGenerator.GetBytes(32), new byte[32], isClosed: false);
        using var first = PortableSealerState.Wrapping.Create([billing, orders], keys);
        using var second = PortableSealerState.Wrapping.Create([billingLater, orders], keys);

        // Same stream, sequence and secret, yet another point and other bytes: whoever lacks billing's secret cannot
        // derive the key that wraps orders'.
        Assert.NotEqual(first.Encode(orders).AsSpan(44, 65).ToArray(), second.Encode(orders).AsSpan(44, 65).ToArray());
    }

    [Fact]
    public void AReplicaOutsideTheKeySetCannotRestoreTheSnapshotAndKeepsItsState()
    {
        var snapshot = _group.Machine(0).TakeSnapshot();
        using var stranger = new ReplicaGroup();
        stranger.Decide(stranger.PrepareStream("globex", "audit"));

        Assert.Throws<ReplicaStateException>(() => stranger.Machine(1).RestoreSnapshot(4, snapshot));

        Assert.Null(stranger.Store(1).GetHead("acme/orders"));
        Assert.NotNull(stranger.Store(1).GetHead("globex/audit"));
    }

    private static AppendEntriesCommand Append(string streamId, string batchId, int count) =>
        new(streamId, Writer, batchId, 1, [.. Enumerable.Range(0, count).Select(i => EntryCodec.EncodeDraft(new EntryDraft
        {
            Level = EntryLevel.Information,
            EventType = EventTypes.FromTemplate("order {Id} shipped"),
            Body = new EntryBody { TimestampUnixMicros = 1_760_000_000_000_000, MessageTemplate = "order {Id} shipped", RenderedMessage = $"order {i} shipped" },
        }))]);
}
