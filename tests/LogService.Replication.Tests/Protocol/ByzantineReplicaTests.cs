using LogService.Replication.Events;
using LogService.Replication.Crypto;
using LogService.Replication.Tests.Support;
using LogService.Replication.Wire;

namespace LogService.Replication.Tests.Protocol;

public sealed class ByzantineReplicaTests
{
    [Fact]
    public void EquivocatingLeaderIsReplacedAndItsTwoSignedProposalsAreReportedAsEvidence()
    {
        var sim = Scenario.Start(seed: 11, before: s =>
        {
            s.Replicas[0].Byzantine = true;
            s.Replicas[0].Faults.Equivocate = true;
        });

        Assert.True(Scenario.RunToCompletion(sim));
        Scenario.AssertHealthy(sim);
        var events = sim.Replicas.Skip(1).SelectMany(Scenario.Events).ToList();
        var evidence = events.First(e => e.Misbehaviour == MisbehaviourKind.Equivocation);
        Assert.Equal(0, evidence.From);
        Assert.Equal(4, evidence.Evidence.Count);
        Assert.NotEqual(evidence.Evidence[0], evidence.Evidence[2]);
        Assert.Contains(events, e => e.Kind == ReplicationEventKind.LeaderChanged && e.Regency > 0);
    }

    [Fact]
    public void LeaderThatCensorsOneClientIsReplacedAndTheClientIsServed()
    {
        var sim = Scenario.Start(seed: 12, before: s =>
        {
            s.Replicas[0].Byzantine = true;
            s.Replicas[0].Faults.CensoredClient = s.Clients[1].Id;
        });

        Assert.True(Scenario.RunToCompletion(sim));
        Scenario.AssertHealthy(sim);
        Assert.Contains(Scenario.Events(sim.Replicas[2]), e => e.Kind == ReplicationEventKind.Suspicion);
        Assert.True(sim.Replicas[2].Core!.Regency > 0);
    }

    [Fact]
    public void SilentLeaderIsReplaced()
    {
        var sim = Scenario.Start(seed: 13, before: s =>
        {
            s.Replicas[0].Byzantine = true;
            s.Replicas[0].Faults.Silent = true;
        });

        Assert.True(Scenario.RunToCompletion(sim));
        Scenario.AssertHealthy(sim);
        Assert.NotEqual(0, sim.Replicas[1].Core!.Leader);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void ReplicaVotingForWrongDigestsCannotStopOrSplitTheOthers(int byzantine)
    {
        var sim = Scenario.Start(seed: 14, before: s =>
        {
            s.Replicas[byzantine].Byzantine = true;
            s.Replicas[byzantine].Faults.WrongDigests = true;
        });

        Assert.True(Scenario.RunToCompletion(sim));
        Scenario.AssertHealthy(sim);
    }

    [Fact]
    public void ClientsIgnoreWrongRepliesFromOneReplica()
    {
        var sim = Scenario.Start(seed: 15, before: s =>
        {
            s.Replicas[1].Byzantine = true;
            s.Replicas[1].Faults.WrongReplies = true;
        });

        Assert.True(Scenario.RunToCompletion(sim));
        Scenario.AssertHealthy(sim);
        var expected = sim.Replicas[0].StateMachine;
        Assert.All(sim.Clients.SelectMany(c => c.Completed), x => Assert.DoesNotContain("\u00FF", x.Reply, StringComparison.Ordinal));
        Assert.Equal(30, expected.CommandCount);
    }

    [Fact]
    public void GarbageFramesAndBadMacsAreReportedWithoutHarm()
    {
        var sim = Scenario.Start(seed: 16, before: s =>
        {
            s.Replicas[3].Byzantine = true;
            s.SendsGarbage.Add(3);
        });

        Assert.True(Scenario.RunToCompletion(sim));
        Scenario.AssertHealthy(sim);
        var events = Scenario.Events(sim.Replicas[0]);
        Assert.Contains(events, e => e.Misbehaviour == MisbehaviourKind.BadMac && e.From == 3);
        Assert.Contains(events, e => e.Misbehaviour == MisbehaviourKind.MalformedMessage && e.From == 3);
    }

    [Fact]
    public void BadAcceptSignaturesDoNotStopDecisionsAndNeverLeaveACorrectReplicaInAProof()
    {
        var sim = Scenario.Start(seed: 17, operations: 15, before: s =>
        {
            s.Replicas[3].Byzantine = true;
            s.Replicas[3].Faults.BadAcceptSignatures = true;
        });
        var relayed = new List<DecidedValue>();
        sim.Tap = (from, _, bytes) =>
        {
            if (from is 0 or 1 && bytes.Length > 1 && bytes[1] == 11 && MessageCodec.Decode(bytes) is StateReplyMessage m)
            {
                relayed.AddRange(m.Decided);
            }
        };

        Assert.True(Scenario.RunToCompletion(sim));
        Scenario.AssertHealthy(sim);

        // A wiped replica catches up by state transfer, so the correct replicas send it their decision proofs.
        sim.Replicas[2].Wipe();
        sim.Replicas[2].Boot();
        sim.RunFor(5_000);
        SimulationChecks.Converged(sim);

        Assert.NotEmpty(relayed);
        var signer = sim.Replicas[0].Core!.Signer;
        foreach (var d in relayed)
        {
            Assert.DoesNotContain(d.Accepts, a => a.Replica == 3);
            var digest = Digest.Of(d.Value);
            Assert.All(d.Accepts, a => Assert.True(signer.VerifyStatement(a.Replica, Signer.Statement.Accept, d.Regency, d.Instance, digest, a.Signature)));
        }

        var events = sim.Replicas.Take(2).SelectMany(Scenario.Events).ToList();
        Assert.Contains(events, e => e.Misbehaviour == MisbehaviourKind.InvalidSignature && e.From == 3);
    }
}
