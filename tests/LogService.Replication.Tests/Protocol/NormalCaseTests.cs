using LogService.Replication.Tests.Support;

namespace LogService.Replication.Tests.Protocol;

public sealed class NormalCaseTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(7)]
    public void AllReplicasExecuteTheSameRequestsOnceOverATimelyNetwork(int n)
    {
        var sim = new Simulation(seed: 1, n);
        sim.Start();
        foreach (var c in sim.Clients)
        {
            c.Run(25);
        }

        Assert.True(sim.RunUntil(() => sim.Clients.All(c => c.Done), Simulation.Epoch + 60_000), "clients did not finish");
        sim.RunFor(1000);
        SimulationChecks.Safety(sim);
        SimulationChecks.ClientsServed(sim);
        SimulationChecks.Converged(sim);
        Assert.Equal(75, sim.Replicas[0].StateMachine.CommandCount);
    }

    [Fact]
    public void ReadOnlyRequestsAreAnsweredWithoutOrdering()
    {
        var sim = new Simulation(seed: 2, 4);
        sim.Start();
        foreach (var c in sim.Clients)
        {
            c.ReadOnlyEvery = 2;
            c.Run(10);
        }

        Assert.True(sim.RunUntil(() => sim.Clients.All(c => c.Done), Simulation.Epoch + 60_000));
        Assert.All(sim.Clients, c => Assert.Contains(c.Completed, x => x.Reply.StartsWith("count=", StringComparison.Ordinal)));
        Assert.Equal(15, sim.Replicas[0].StateMachine.CommandCount);
    }
}
