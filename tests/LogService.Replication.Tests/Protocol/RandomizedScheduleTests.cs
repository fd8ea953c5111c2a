using LogService.Replication.Tests.Support;

namespace LogService.Replication.Tests.Protocol;

/// <summary>
/// Hundreds of seeded schedules. A failure names its seeds; rerun one with <see cref="RandomizedRun.Run"/> to reproduce it
/// exactly. Set LOGSVC_LONG_SEEDS to run more seeds.
/// </summary>
public sealed class RandomizedScheduleTests
{
    [Fact]
    public void FourReplicasStaySafeAndLiveUnderRandomSchedules() => RunSeeds(n: 4, count: RandomizedRun.SeedCount(200), firstSeed: 0);

    [Fact]
    public void SevenReplicasStaySafeAndLiveUnderRandomSchedules() => RunSeeds(n: 7, count: Math.Max(1, RandomizedRun.SeedCount(200) / 5), firstSeed: 100_000);

    private static void RunSeeds(int n, int count, int firstSeed)
    {
        var failures = new List<string>();
        for (var seed = firstSeed; seed < firstSeed + count; seed++)
        {
            try
            {
                var sim = RandomizedRun.Run(seed, n);
                SimulationChecks.Safety(sim);
                SimulationChecks.ClientsServed(sim);
                SimulationChecks.Converged(sim);
            }
            catch (Exception e) when (e is Xunit.Sdk.XunitException or InvalidOperationException)
            {
                failures.Add(e.Message);
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {count} seeds failed:\n{string.Join("\n", failures.Take(20))}");
    }
}
