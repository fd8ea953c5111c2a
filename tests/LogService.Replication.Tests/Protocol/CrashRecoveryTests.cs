using LogService.Replication.Events;
using LogService.Replication.Tests.Support;

namespace LogService.Replication.Tests.Protocol;

public sealed class CrashRecoveryTests
{
    [Fact]
    public void CrashedLeaderIsReplacedAndRejoinsFromItsWriteAheadLog()
    {
        var sim = Scenario.Start(seed: 21, operations: 20);
        sim.RunUntil(() => sim.Replicas[1].StateMachine.LastExecutedInstance >= 5, sim.Now + 60_000);
        sim.Replicas[0].Crash();
        sim.RunUntil(() => sim.Replicas[1].StateMachine.LastExecutedInstance >= 15, sim.Now + 60_000);
        Assert.NotEqual(0, sim.Replicas[1].Core!.Leader);
        sim.Replicas[0].Boot();

        Assert.True(Scenario.RunToCompletion(sim));
        sim.RunFor(3_000);
        Scenario.AssertHealthy(sim);
        SimulationChecks.Converged(sim);
        Assert.Equal(0, sim.Replicas[0].StateMachine.Restores);
    }

    [Fact]
    public void RestartedReplicaRecoversRegencyAndDecisionsFromTheLog()
    {
        var sim = Scenario.Start(seed: 22, operations: 8, before: s =>
        {
            s.Replicas[0].Byzantine = true;
            s.Replicas[0].Faults.Silent = true;
        });
        Assert.True(Scenario.RunToCompletion(sim));
        var before = sim.Replicas[2].Core!;
        var (regency, executed) = (before.Regency, before.Execution.LastExecuted);
        Assert.True(regency > 0);

        sim.Replicas[2].Crash();
        sim.Replicas[2].Boot();
        var after = sim.Replicas[2].Core!;
        Assert.Equal(regency, after.Regency);
        Assert.True(after.Synced);
        Assert.Equal(executed, after.Execution.LastExecuted);
    }

    [Fact]
    public void WipedReplicaCatchesUpByStateTransferFromACheckpoint()
    {
        var sim = Scenario.Start(seed: 23, operations: 30);
        Scenario.WipeAndRejoin(sim, replica: 3);
        Assert.True(sim.Replicas[3].StateMachine.Restores >= 1);
        var events = Scenario.Events(sim.Replicas[3]);
        Assert.Contains(events, e => e.Kind == ReplicationEventKind.StateTransferCompleted && e.Instance >= 40);
    }

    [Fact]
    public void CheckpointsCompactTheWriteAheadLog()
    {
        var sim = Scenario.Start(seed: 24, operations: 40);
        Assert.True(Scenario.RunToCompletion(sim));
        var replica = sim.Replicas[1];
        Assert.True(replica.Core!.Checkpoints.Instance >= 20);
        Assert.True(replica.Store.RecordCount < 40, $"{replica.Store.RecordCount} WAL records remain after checkpoints");
        Assert.Contains(Scenario.Events(replica), e => e.Kind == ReplicationEventKind.Checkpoint && e.Digest.Length == 32);
    }
}
