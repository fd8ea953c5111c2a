using System.Buffers.Binary;
using System.Security.Cryptography;
using LogService.Replication.Events;
using LogService.Replication.Tests.Support;
using LogService.Replication.Wire;

namespace LogService.Replication.Tests.Events;

/// <summary>
/// What the Log Core logs from the event stream: one summary per decided instance (who proposed, wrote and accepted,
/// and when), and misbehaviour evidence that carries what the offender sent, verifiable offline where it is signed.
/// </summary>
public sealed class DecisionAndEvidenceEventTests
{
    [Fact]
    public void EveryDecidedInstanceNamesItsProposerWritersAndAcceptorsWithArrivalTimes()
    {
        var sim = Scenario.Start(seed: 21);
        Assert.True(Scenario.RunToCompletion(sim));
        Scenario.AssertHealthy(sim);

        foreach (var replica in sim.Replicas)
        {
            var decided = Scenario.Events(replica).Where(e => e.Kind == ReplicationEventKind.Decided).ToList();
            Assert.Equal(decided.Count, decided.Select(e => e.Instance).Distinct().Count());
            Assert.Equal(replica.StateMachine.LastExecutedInstance, decided.Max(e => e.Instance));
            Assert.Equal(replica.StateMachine.CommandCount, decided.Sum(e => e.Count));
            foreach (var e in decided)
            {
                Assert.Equal("votes", e.Detail);
                Assert.Equal(0, e.From);
                Assert.Equal(32, e.Digest.Length);
                Assert.Contains(new InstanceVote(MessageKind.Propose, 0, e.Votes.Single(v => v.Message == MessageKind.Propose).Time), e.Votes);
                Assert.True(e.Votes.Where(v => v.Message == MessageKind.Write).Select(v => v.Replica).Distinct().Count() >= 3);
                Assert.True(e.Votes.Where(v => v.Message == MessageKind.Accept).Select(v => v.Replica).Distinct().Count() >= 3);
                Assert.All(e.Votes, v => Assert.InRange(v.Time, Simulation.Epoch, e.Time));
                var proposed = e.Votes.Single(v => v.Message == MessageKind.Propose).Time;
                Assert.All(e.Votes.Where(v => v.Replica == replica.Id && v.Message != MessageKind.Propose), v => Assert.True(v.Time >= proposed));
            }
        }
    }

    [Fact]
    public void InstancesLearntByStateTransferAreReportedOnceWithTheirSource()
    {
        var sim = Scenario.Start(seed: 22, operations: 15);
        Assert.True(Scenario.RunToCompletion(sim));
        Scenario.Events(sim.Replicas[2]);
        sim.Replicas[2].Wipe();
        sim.Replicas[2].Boot();
        sim.RunFor(5_000);
        SimulationChecks.Converged(sim);

        var decided = Scenario.Events(sim.Replicas[2]).Where(e => e.Kind == ReplicationEventKind.Decided).ToList();
        Assert.Contains(decided, e => e.Detail == "state transfer" && e.Votes.Count == 0 && e.Count > 0);
    }

    [Fact]
    public void EquivocationEvidenceVerifiesOfflineWithTheLeadersPublicKeyAlone()
    {
        var sim = Scenario.Start(seed: 11, before: s =>
        {
            s.Replicas[0].Byzantine = true;
            s.Replicas[0].Faults.Equivocate = true;
        });
        Assert.True(Scenario.RunToCompletion(sim));

        var evidence = sim.Replicas.Skip(1).SelectMany(Scenario.Events).First(e => e.Misbehaviour == MisbehaviourKind.Equivocation);
        using var leaderKey = ECDsa.Create();
        leaderKey.ImportSubjectPublicKeyInfo(TestKeys.For(4)[evidence.From].Public, out _);
        var (first, firstSignature, second, secondSignature) = (evidence.Evidence[0], evidence.Evidence[1], evidence.Evidence[2], evidence.Evidence[3]);
        Assert.True(Verify(leaderKey, first, firstSignature));
        Assert.True(Verify(leaderKey, second, secondSignature));
        Assert.Equal((byte)'P', first[0]);
        Assert.Equal(first.AsSpan(0, 13).ToArray(), second.AsSpan(0, 13).ToArray());
        Assert.NotEqual(first.AsSpan(13).ToArray(), second.AsSpan(13).ToArray());
        Assert.Equal(evidence.Regency, BinaryPrimitives.ReadInt32LittleEndian(first.AsSpan(1)));

        var forged = (byte[])second.Clone();
        forged[^1] ^= 1;
        Assert.False(Verify(leaderKey, forged, secondSignature));
    }

    [Fact]
    public void InvalidAcceptSignaturesAndGarbageMessagesCarryWhatTheReplicaSent()
    {
        var sim = Scenario.Start(seed: 23, operations: 15, before: s =>
        {
            s.Replicas[3].Byzantine = true;
            s.Replicas[3].Faults.BadAcceptSignatures = true;
            s.SendsGarbage.Add(3);
        });
        Assert.True(Scenario.RunToCompletion(sim));
        sim.Replicas[2].Wipe();
        sim.Replicas[2].Boot();
        sim.RunFor(5_000);

        var events = sim.Replicas.Take(2).SelectMany(Scenario.Events).Where(e => e.From == 3).ToList();
        var badAccept = events.First(e => e.Misbehaviour == MisbehaviourKind.InvalidSignature);
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(TestKeys.For(4)[3].Public, out _);
        Assert.Equal(2, badAccept.Evidence.Count);
        Assert.Equal((byte)'A', badAccept.Evidence[0][0]);
        Assert.False(Verify(key, badAccept.Evidence[0], badAccept.Evidence[1]));

        var garbage = events.First(e => e.Misbehaviour == MisbehaviourKind.MalformedMessage);
        Assert.Single(garbage.Evidence);
        Assert.NotEmpty(garbage.Evidence[0]);
        Assert.Throws<WireFormatException>(() => MessageCodec.Decode(garbage.Evidence[0]));
    }

    private static bool Verify(ECDsa key, byte[] statement, byte[] signature) =>
        key.VerifyData(statement, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
}
