using LogService.Replication.Events;
using LogService.Replication.Tests.Support;

namespace LogService.Replication.Tests.Protocol;

/// <summary>
/// State transfer for a state machine whose checkpoints only summarize its state: the replica installing one fetches
/// the parts it lacks, each written only once f+1 replicas report its digest.
/// </summary>
public sealed class StateTransferPartsTests
{
    [Fact]
    public void AWipedReplicaFetchesTheStateItsCheckpointSummarizesInParts()
    {
        var sim = WipeAndRejoin(seed: 31, corrupt: null);

        var rejoined = sim.Replicas[3].StateMachine;
        Assert.True(rejoined.Restores >= 1);
        Assert.Equal(sim.Replicas[1].StateMachine.Log, rejoined.Log);
        var events = Scenario.Events(sim.Replicas[3]);
        Assert.Contains(events, e => e.Kind == ReplicationEventKind.StateTransferCompleted && e.Detail!.Contains("parts", StringComparison.Ordinal));
    }

    [Fact]
    public void AReplicaSendingAlteredPartsIsOutvotedAndReported()
    {
        var sim = WipeAndRejoin(seed: 32, corrupt: 0);

        Assert.Equal(sim.Replicas[1].StateMachine.Log, sim.Replicas[3].StateMachine.Log);
        Assert.DoesNotContain(sim.Replicas[3].StateMachine.Log, payload => payload.EndsWith('!'));
        var reported = Scenario.Events(sim.Replicas[3]).Where(e => e.Misbehaviour == MisbehaviourKind.InvalidStateContent).ToList();
        Assert.NotEmpty(reported);
        Assert.All(reported, e => Assert.Equal(0, e.From));
    }

    /// <summary>Runs with parted state, wipes replica 3 past two checkpoints, and brings it back.</summary>
    private static Simulation WipeAndRejoin(int seed, int? corrupt)
    {
        var sim = Scenario.Start(seed, operations: 30, before: s =>
        {
            foreach (var replica in s.Replicas)
            {
                replica.UsePartedState(partItems: 4);
            }

            if (corrupt is { } byzantine)
            {
                s.Replicas[byzantine].StateMachine.CorruptParts = true;
            }
        });
        Scenario.WipeAndRejoin(sim, replica: 3);
        return sim;
    }
}
