using LogService.Replication.Crypto;
using LogService.Replication.Durability;
using LogService.Replication.Protocol;
using LogService.Replication.Wire;

namespace LogService.Replication.Tests.Durability;

/// <summary>Decisions logged by the digest of a value written earlier, and what replay makes of them.</summary>
public sealed class ConsensusLogTests
{
    private static readonly SignedAccept[] Accepts = [new(0, new byte[Signer.SignatureSize]), new(2, Enumerable.Repeat((byte)7, Signer.SignatureSize).ToArray())];

    [Fact]
    public void ADecisionByDigestReplaysWithTheValueItsWroteRecordCarried()
    {
        byte[] first = [1, 2, 3], second = [4, 5];
        using var store = new MemoryWalStore();
        var log = new ConsensusLog(store);
        log.Wrote(7, 0, first);
        log.Wrote(7, 1, second);
        log.DecidedProposal(7, 1, Digest.Of(second), Accepts);
        log.Wrote(8, 1, first);
        log.Decided(8, 1, first, Accepts);
        store.Flush();

        var replayed = new RecordingVisitor();
        log.Replay(replayed);

        Assert.Equal([(7L, 1, second), (8L, 1, first)], replayed.Decided.Select(d => (d.Instance, d.Regency, d.Value)));
        Assert.All(replayed.Decided, d => Assert.Equal(Accepts.Select(a => (a.Replica, Convert.ToHexString(a.Signature))), d.Accepts.Select(a => (a.Replica, Convert.ToHexString(a.Signature)))));
    }

    [Fact]
    public void ADecisionByDigestWithoutItsValueEndsTheReplayInsteadOfDecidingSomethingElse()
    {
        using var store = new MemoryWalStore();
        var log = new ConsensusLog(store);
        log.Wrote(7, 0, [1]);
        log.DecidedProposal(7, 0, Digest.Of([9]), Accepts);
        log.Wrote(8, 0, [2]);
        store.Flush();

        var replayed = new RecordingVisitor();
        log.Replay(replayed);

        Assert.Empty(replayed.Decided);
        Assert.Equal([7L], replayed.Wrote);
    }

    private sealed class RecordingVisitor : IReplayVisitor
    {
        public List<(long Instance, int Regency, byte[] Value, SignedAccept[] Accepts)> Decided { get; } = [];

        public List<long> Wrote { get; } = [];

        public void OnRegency(int regency)
        {
        }

        public void OnWrote(long instance, int regency, byte[] value) => Wrote.Add(instance);

        public void OnAccepted(long instance, int regency, byte[] digest)
        {
        }

        public void OnDecided(long instance, int regency, byte[] value, SignedAccept[] accepts) => Decided.Add((instance, regency, value, accepts));

        public void OnSync(byte[] raw)
        {
        }
    }
}
