using LogService.Replication.Protocol;

namespace LogService.Replication.Tests.Support;

/// <summary>
/// One randomized schedule: a chaotic period (drops, duplicates, delays up to 200 ms, reordering, a partitioned
/// replica, a crashed and restarted replica, possibly one Byzantine replica), then a timely network; on odd seeds the
/// replicas execute decided batches in the background. Everything is derived from the seed.
/// </summary>
internal static class RandomizedRun
{
    /// <summary>Seeds in the normal run, or LOGSVC_LONG_SEEDS of them when that variable is set.</summary>
    public static int SeedCount(int normal) =>
        int.TryParse(Environment.GetEnvironmentVariable("LOGSVC_LONG_SEEDS"), out var n) && n > 0 ? n : normal;

    public static Simulation Run(int seed, int n)
    {
        var sim = new Simulation(seed, n);
        foreach (var replica in sim.Replicas)
        {
            // Odd seeds run the executions as the real runtime does, overlapping with the protocol.
            replica.BackgroundExecution = seed % 2 == 1;
        }

        var r = sim.Random;
        var byzantine = r.Next(3) == 0 ? r.Next(n) : -1;
        if (byzantine >= 0)
        {
            var replica = sim.Replicas[byzantine];
            replica.Byzantine = true;
            Configure(replica.Faults, sim, r.Next(7));
        }

        sim.Start();
        foreach (var c in sim.Clients)
        {
            c.ReadOnlyEvery = r.Next(3) == 0 ? 4 : 0;
            c.Run(6 + r.Next(6));
        }

        var gst = Simulation.Epoch + 1000 + r.Next(6000);
        sim.Network = NetworkConditions.Random(r);

        // One replica (never the Byzantine one, so at most f are faulty at once) is partitioned or crashed for a while.
        var victim = r.Next(n);
        if (victim != byzantine)
        {
            var from = Simulation.Epoch + r.Next((int)(gst - Simulation.Epoch));
            var until = Math.Min(from + r.Next(4000), gst);
            if (r.Next(2) == 0)
            {
                sim.At(from, () => sim.Isolated.Add(victim));
                sim.At(until, () => sim.Isolated.Remove(victim));
            }
            else
            {
                var wipe = r.Next(4) == 0;
                sim.At(from, () =>
                {
                    if (wipe)
                    {
                        sim.Replicas[victim].Wipe();
                    }
                    else
                    {
                        sim.Replicas[victim].Crash();
                    }
                });
                sim.At(until, () => sim.Replicas[victim].Boot());
            }
        }

        sim.At(gst, () =>
        {
            sim.Network = NetworkConditions.Timely;
            sim.Isolated.Clear();
        });

        sim.RunUntil(() => sim.Now >= gst && sim.Clients.All(c => c.Done), gst + 120_000);

        // A few more operations once the network is timely, so replicas that missed the end of the traffic see that they lag.
        if (sim.Clients.All(c => c.Done))
        {
            foreach (var c in sim.Clients)
            {
                c.Run(c.Target + 2);
            }

            sim.RunUntil(() => sim.Clients.All(c => c.Done), sim.Now + 60_000);
        }

        // Long enough for a replica that lagged to notice: its patience grows with the gaps it saw (at most ten
        // request timeouts).
        sim.RunFor(12_000);
        return sim;
    }

    private static void Configure(FaultInjection faults, Simulation sim, int behaviour)
    {
        switch (behaviour)
        {
            case 0:
                faults.Equivocate = true;
                break;
            case 1:
                faults.CensoredClient = sim.Clients[0].Id;
                break;
            case 2:
                faults.WrongDigests = true;
                break;
            case 3:
                faults.WrongReplies = true;
                break;
            case 4:
                faults.Silent = true;
                break;
            case 5:
                sim.SendsGarbage.Add(Array.FindIndex(sim.Replicas, r => r.Faults == faults));
                break;
            default:
                faults.Equivocate = true;
                faults.WrongReplies = true;
                faults.CensoredClient = sim.Clients[^1].Id;
                break;
        }
    }
}
