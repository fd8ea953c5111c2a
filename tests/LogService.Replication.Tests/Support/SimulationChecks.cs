namespace LogService.Replication.Tests.Support;

/// <summary>The properties every simulated run must satisfy, with messages that name the seed.</summary>
internal static class SimulationChecks
{
    /// <summary>Correct replicas executed the same batch at every instance they both executed, each (client, sequence) once, with increasing timestamps.</summary>
    public static void Safety(Simulation sim)
    {
        var correct = sim.Replicas.Where(r => !r.Byzantine).ToList();
        foreach (var r in correct)
        {
            var sm = r.StateMachine;
            var duplicates = sm.Executed.GroupBy(e => (e.Client, e.Sequence)).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.True(duplicates.Count == 0, $"seed {sim.Seed}: replica {r.Id} executed {duplicates.FirstOrDefault()} twice");
            for (var i = 1; i < sm.Timestamps.Count; i++)
            {
                Assert.True(sm.Timestamps[i] > sm.Timestamps[i - 1], $"seed {sim.Seed}: replica {r.Id} timestamps not increasing");
            }

            foreach (var other in correct.Where(o => o.Id > r.Id))
            {
                foreach (var (instance, digest) in sm.BatchDigests)
                {
                    if (other.StateMachine.BatchDigests.TryGetValue(instance, out var d))
                    {
                        Assert.True(d == digest, $"seed {sim.Seed}: replicas {r.Id} and {other.Id} differ at instance {instance}");
                    }
                }
            }
        }
    }

    /// <summary>Every client finished, and each ordered operation ran exactly once on every correct replica that executed all history itself.</summary>
    public static void ClientsServed(Simulation sim)
    {
        foreach (var c in sim.Clients)
        {
            Assert.True(c.Done, $"seed {sim.Seed}: client {c.Id} finished {c.Completed.Count} of {c.Target} operations");
        }

        var full = sim.Replicas.Where(r => !r.Byzantine && r.StateMachine.Restores == 0 && r.StateMachine.BatchDigests.ContainsKey(1)).ToList();
        foreach (var r in full)
        {
            var payloads = r.StateMachine.Executed.Select(e => e.Payload).ToList();
            foreach (var c in sim.Clients)
            {
                foreach (var (payload, _) in c.Completed.Where(x => !x.Payload.StartsWith("read-", StringComparison.Ordinal)))
                {
                    Assert.True(payloads.Count(p => p == payload) == 1, $"seed {sim.Seed}: replica {r.Id} executed {payload} {payloads.Count(p => p == payload)} times");
                }
            }
        }
    }

    /// <summary>All correct, running replicas reached the same instance and state.</summary>
    public static void Converged(Simulation sim)
    {
        var correct = sim.Replicas.Where(r => !r.Byzantine && r.Alive).ToList();
        var counts = correct.Select(r => (r.Id, r.StateMachine.LastExecutedInstance, r.StateMachine.CommandCount)).ToList();
        Assert.True(
            counts.Select(c => (c.LastExecutedInstance, c.CommandCount)).Distinct().Count() == 1,
            $"seed {sim.Seed}: replicas did not converge: {string.Join(", ", counts)}");
    }
}
