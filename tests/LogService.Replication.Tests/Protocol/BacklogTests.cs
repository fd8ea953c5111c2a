using LogService.Replication.Events;
using LogService.Replication.Tests.Support;

namespace LogService.Replication.Tests.Protocol;

/// <summary>
/// More requests waiting than the leader orders within a request timeout: the leader keeps its place while it serves
/// the backlog in order, and is still replaced when it censors a client behind that backlog.
/// </summary>
public sealed class BacklogTests
{
    // One request per instance, one instance at a time, 5–10 ms per message: an instance takes about 25 ms, so the
    // last of these clients' requests in a round waits several request timeouts (500 ms) to be ordered.
    private const int Clients = 150;

    [Fact]
    public void LeaderServingABacklogInArrivalOrderIsNotReplaced()
    {
        var sim = BacklogSimulation(seed: 31);
        sim.Start();
        foreach (var c in sim.Clients)
        {
            c.Run(3);
        }

        Assert.True(Scenario.RunToCompletion(sim), "clients did not finish");
        Scenario.AssertHealthy(sim);
        var events = sim.Replicas.SelectMany(Scenario.Events).ToList();
        Assert.True(
            events.Any(e => e.Kind == ReplicationEventKind.Timeout),
            "no request waited a whole timeout, so the backlog did not exercise the rule");
        Assert.DoesNotContain(events, e => e.Kind is ReplicationEventKind.Suspicion or ReplicationEventKind.LeaderChanged);
        Assert.All(sim.Replicas, r => Assert.Equal(0, r.Core!.Regency));
    }

    [Fact]
    public void LeaderCensoringAClientBehindABacklogIsStillReplaced()
    {
        var sim = BacklogSimulation(seed: 32);
        var censored = sim.Clients[Clients / 2];
        sim.Replicas[0].Byzantine = true;
        sim.Replicas[0].Faults.CensoredClient = censored.Id;
        sim.Start();
        foreach (var c in sim.Clients)
        {
            c.Run(3);
        }

        Assert.True(Scenario.RunToCompletion(sim), "clients did not finish");
        Scenario.AssertHealthy(sim);
        Assert.True(censored.Done);
        Assert.Contains(Scenario.Events(sim.Replicas[1]), e => e.Kind == ReplicationEventKind.Suspicion);
        Assert.All(sim.Replicas.Skip(1), r => Assert.True(r.Core!.Regency > 0));
    }

    private static Simulation BacklogSimulation(int seed) =>
        new(seed, n: 4, clients: Clients, tweak: c => c with { MaxBatchCount = 1, PipelineDepth = 1 })
        {
            Network = new NetworkConditions(DropRate: 0, DuplicateRate: 0, MinDelayMs: 5, MaxDelayMs: 10),
        };
}
