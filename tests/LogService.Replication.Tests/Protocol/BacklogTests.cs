using LogService.Replication.Events;
using LogService.Replication.Tests.Support;

namespace LogService.Replication.Tests.Protocol;

/// <summary>
/// More requests waiting than the leader orders within a request timeout, or hosts too slow to advance within it: the
/// leader keeps its place while it serves the backlog in order, and is still replaced when it censors a client behind
/// that backlog.
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

    [Fact]
    public void LeaderKeepsItsPlaceWhileTheClusterSlowsDownBeyondTheTimeout()
    {
        // The network slows down step by step until one instance takes about a second, twice the request timeout
        // (500 ms): the ordering is slow, never stalled, and the replicas' patience grows with the gaps they see.
        var sim = new Simulation(seed: 33, n: 4, clients: 6, tweak: c => c with { MaxBatchCount = 2, PipelineDepth = 1 });
        sim.Start();
        foreach (var c in sim.Clients)
        {
            c.Run(60);
        }

        (long Min, long Max)[] delays = [(10, 20), (25, 40), (50, 80), (100, 160), (200, 300), (300, 400)];
        for (var i = 0; i < delays.Length; i++)
        {
            var (min, max) = delays[i];
            sim.At(sim.Now + (500 * (i + 1)), () => sim.Network = new NetworkConditions(0, 0, min, max));
        }

        Assert.True(Scenario.RunToCompletion(sim, ms: 600_000), "clients did not finish");
        Scenario.AssertHealthy(sim);
        var events = sim.Replicas.SelectMany(Scenario.Events).ToList();
        Assert.True(
            events.Any(e => e.Kind == ReplicationEventKind.Timeout && e.Detail!.Contains("forwarded", StringComparison.Ordinal)),
            "no request waited a whole timeout, so the slowdown did not exercise the rule");
        Assert.DoesNotContain(events, e => e.Kind is ReplicationEventKind.Suspicion or ReplicationEventKind.LeaderChanged);
    }

    [Theory]
    [InlineData(500, 0, 500)]
    [InlineData(500, 300, 1200)]
    [InlineData(500, 2_000, 5_000)]
    public void PatienceFollowsRecentGapsWithinTenTimeouts(long timeout, double recentGap, long expected) =>
        Assert.Equal(expected, LogService.Replication.Protocol.RequestTimers.StallPatience(timeout, recentGap));

    private static Simulation BacklogSimulation(int seed) =>
        new(seed, n: 4, clients: Clients, tweak: c => c with { MaxBatchCount = 1, PipelineDepth = 1 })
        {
            Network = new NetworkConditions(DropRate: 0, DuplicateRate: 0, MinDelayMs: 5, MaxDelayMs: 10),
        };
}
