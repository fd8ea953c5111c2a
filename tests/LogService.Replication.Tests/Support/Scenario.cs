using LogService.Replication.Events;

namespace LogService.Replication.Tests.Support;

/// <summary>Helpers for hand-written simulation scenarios.</summary>
internal static class Scenario
{
    /// <summary>Starts a simulation with every client running <paramref name="operations"/> operations.</summary>
    public static Simulation Start(int seed, int n = 4, int operations = 10, Action<Simulation>? before = null)
    {
        var sim = new Simulation(seed, n);
        before?.Invoke(sim);
        sim.Start();
        foreach (var c in sim.Clients)
        {
            c.Run(operations);
        }

        return sim;
    }

    /// <summary>Runs until every client is done, then a little longer so replicas that answered last finish executing.</summary>
    public static bool RunToCompletion(Simulation sim, long ms = 120_000)
    {
        var done = sim.RunUntil(() => sim.Clients.All(c => c.Done), sim.Now + ms);
        sim.RunFor(2_000);
        return done;
    }

    /// <summary>
    /// Wipes <paramref name="replica"/> once instance 10 executed, boots it again past instance 45 (so checkpoints
    /// were taken without it), and runs to completion; the run must then be healthy and converged.
    /// </summary>
    public static void WipeAndRejoin(Simulation sim, int replica)
    {
        sim.RunUntil(() => sim.Replicas[0].StateMachine.LastExecutedInstance >= 10, sim.Now + 60_000);
        sim.Replicas[replica].Wipe();
        sim.RunUntil(() => sim.Replicas[0].StateMachine.LastExecutedInstance >= 45, sim.Now + 60_000);
        sim.Replicas[replica].Boot();

        Assert.True(RunToCompletion(sim));
        sim.RunFor(3_000);
        AssertHealthy(sim);
        SimulationChecks.Converged(sim);
    }

    /// <summary>Drains a replica's events.</summary>
    public static List<ReplicationEvent> Events(SimReplica replica)
    {
        var list = new List<ReplicationEvent>();
        while (replica.Subscription.Reader.TryRead(out var e))
        {
            list.Add(e);
        }

        return list;
    }

    public static void AssertHealthy(Simulation sim)
    {
        SimulationChecks.Safety(sim);
        SimulationChecks.ClientsServed(sim);
    }
}
