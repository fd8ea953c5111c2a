using System.Globalization;
using System.Text.Json.Nodes;
using LogService.Replication.TestHost;

namespace LogService.Bench;

/// <summary>
/// Issue 4 §4: four replica processes on loopback TCP with a null state machine, loaded by closed-loop proxies in
/// this process; plus the transport alone (an echo process, no consensus) as the baseline measured in the same run.
/// </summary>
internal sealed class ReplicationScenario : IBenchScenario
{
    private const int Replicas = 4;
    private const int ManyClients = 200;
    private const int PipelineDepth = 1;
    private const int DeeperPipeline = 4;

    public string Name => "replication";

    public async Task<JsonObject> RunAsync(BenchContext context)
    {
        var progress = context.Progress;
        var warmUp = TimeSpan.FromSeconds(context.Quick ? 2 : 3);
        var measure = TimeSpan.FromSeconds(context.Quick ? 5 : 15);
        var directory = Directory.CreateTempSubdirectory("logservice-bench-replication-");
        try
        {
            // One instance in flight lets requests pile up into larger batches; every instance costs the engine a
            // fixed number of ECDSA signatures and verifications, so fewer, larger instances are faster here.
            var cluster = ClusterConfig.Create(Replicas);
            cluster.PipelineDepth = PipelineDepth;
            var clusterFile = Path.Combine(directory.FullName, "cluster.json");
            cluster.Save(clusterFile);
            var deeper = ClusterConfig.Create(Replicas);
            deeper.PipelineDepth = DeeperPipeline;
            var deeperFile = Path.Combine(directory.FullName, "cluster-deeper.json");
            deeper.Save(deeperFile);

            progress.Note("baseline: transport-only echo process, no consensus");
            double echo200, echoP50;
            await using (await HostProcess.StartAsync("echo", "--cluster", clusterFile, "--id", "0"))
            {
                (echo200, _) = await EchoLoad.RunAsync(cluster, 0, ManyClients, 0, warmUp, measure);
                progress.Note(Invariant($"echo, 0 B, {ManyClients} clients: {echo200:N0} round trips/s"));
                var (echo1, echoLatency) = await EchoLoad.RunAsync(cluster, 0, 1, 0, warmUp, measure);
                echoP50 = echoLatency.Percentile(0.5);
                progress.Note(Invariant($"echo, 0 B, 1 client: {echo1:N0} round trips/s, p50 {echoP50:F3} ms"));
            }

            progress.Note($"starting {Replicas} replica processes (null state machine, write-ahead log on disk, not fsynced)");
            Measurement zero200, kib200, zero1, deeper200;
            await using (var hosts = await ReplicaHosts.StartAsync(clusterFile, directory.FullName, "depth1"))
            {
                zero200 = await MeasureAsync(progress, cluster, ManyClients, 0, warmUp, measure, hosts);
                kib200 = await MeasureAsync(progress, cluster, ManyClients, 1024, warmUp, measure, hosts);
                zero1 = await MeasureAsync(progress, cluster, 1, 0, warmUp, measure, hosts);
            }

            progress.Note($"restarting the replicas with pipeline depth {DeeperPipeline}");
            await using (var hosts = await ReplicaHosts.StartAsync(deeperFile, directory.FullName, "depth4"))
            {
                deeper200 = await MeasureAsync(progress, deeper, ManyClients, 0, warmUp, measure, hosts);
            }

            return new JsonObject
            {
                ["ops_per_s_0b_200c"] = Stats.Round(zero200.Ops, 0),
                ["ops_per_s_1k_200c"] = Stats.Round(kib200.Ops, 0),
                ["ops_per_s_0b_1c"] = Stats.Round(zero1.Ops, 0),
                ["latency_p50_ms_0b_1c"] = Stats.Round(zero1.Latencies.Percentile(0.5), 3),
                ["latency_p99_ms_0b_200c"] = Stats.Round(zero200.Latencies.Percentile(0.99), 3),
                ["latency_p50_ms_0b_200c"] = Stats.Round(zero200.Latencies.Percentile(0.5), 3),
                ["batch_size_max"] = cluster.MaxBatchCount,
                ["batch_size_avg_0b_200c"] = Stats.Round(zero200.BatchSize, 1),
                ["batch_size_avg_1k_200c"] = Stats.Round(kib200.BatchSize, 1),
                ["pipeline_depth"] = cluster.PipelineDepth,
                ["durability"] = "write-ahead log and replies after execution; written to the OS, not fsynced (SyncWrites=false)",
                ["cpu_us_per_op_replicas_0b_200c"] = Stats.Round(zero200.ReplicaCpuPerOp, 1),
                ["cpu_us_per_op_clients_0b_200c"] = Stats.Round(zero200.ClientCpuPerOp, 1),
                ["cpu_us_per_op_replicas_1k_200c"] = Stats.Round(kib200.ReplicaCpuPerOp, 1),
                ["cpu_us_per_op_replicas_0b_1c"] = Stats.Round(zero1.ReplicaCpuPerOp, 1),
                ["ops_per_s_0b_200c_depth4"] = Stats.Round(deeper200.Ops, 0),
                ["batch_size_avg_0b_200c_depth4"] = Stats.Round(deeper200.BatchSize, 1),
                ["cpu_us_per_op_replicas_0b_200c_depth4"] = Stats.Round(deeper200.ReplicaCpuPerOp, 1),
                ["baseline_echo_round_trips_per_s_0b_200c"] = Stats.Round(echo200, 0),
                ["baseline_echo_latency_p50_ms_0b_1c"] = Stats.Round(echoP50, 3),
                ["ratio_ops_0b_200c_to_echo"] = Stats.Round(zero200.Ops / echo200, 3),
                ["measure_seconds"] = measure.TotalSeconds,
            };
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Runs one load and reports, besides throughput and latency, the CPU time per operation of the replica processes
    /// (summed) and of this client process: figures that other work on the machine does not depress.
    /// </summary>
    private static async Task<Measurement> MeasureAsync(
        BenchProgress progress, ClusterConfig cluster, int clients, int size, TimeSpan warmUp, TimeSpan measure, ReplicaHosts hosts)
    {
        var replica = hosts.Processes[1];
        Func<TimeSpan>[] clocks = [.. hosts.Processes.Select(h => (Func<TimeSpan>)(() => h.CpuTime)), () => Environment.CpuUsage.TotalTime];
        progress.Note(Invariant($"ordered requests: {size} B, {clients} clients, {measure.TotalSeconds:F0} s after {warmUp.TotalSeconds:F0} s warm-up"));
        var before = ParseStats(await replica.StatsAsync());
        var (ops, latencies, cpu) = await ProxyLoad.RunAsync(cluster, clients, size, warmUp, measure, clocks);
        var after = ParseStats(await replica.StatsAsync());
        var operations = Math.Max(1, ops * measure.TotalSeconds);
        var result = new Measurement(
            ops, latencies, cpu[..^1].Sum(c => c.TotalMicroseconds) / operations, cpu[^1].TotalMicroseconds / operations,
            (double)(after.Commands - before.Commands) / Math.Max(1, after.Batches - before.Batches));
        progress.Note(Invariant(
            $"  {ops:N0} ops/s, p50 {latencies.Percentile(0.5):F3} ms, p99 {latencies.Percentile(0.99):F3} ms, average batch {result.BatchSize:F1}, CPU per op: replicas {result.ReplicaCpuPerOp:F0} us, client process {result.ClientCpuPerOp:F0} us"));
        return result;
    }

    /// <summary>Reads a replica host's statistics line: <c>stats batches=B commands=C dropped=D</c>.</summary>
    private static (long Batches, long Commands) ParseStats(string line)
    {
        var fields = line.Split(' ').Skip(1).Select(f => f.Split('=')).ToDictionary(f => f[0], f => long.Parse(f[1], CultureInfo.InvariantCulture));
        return (fields["batches"], fields["commands"]);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>The replica processes of one cluster, stopped together.</summary>
    private sealed class ReplicaHosts(HostProcess[] processes) : IAsyncDisposable
    {
        public HostProcess[] Processes { get; } = processes;

        public static async Task<ReplicaHosts> StartAsync(string clusterFile, string directory, string name) =>
            new(await Task.WhenAll(Enumerable.Range(0, Replicas).Select(id => HostProcess.StartAsync(
                "replica", "--cluster", clusterFile, "--id", id.ToString(CultureInfo.InvariantCulture),
                "--state", "null", "--data", Path.Combine(directory, $"{name}-replica-{id}")))));

        public async ValueTask DisposeAsync()
        {
            foreach (var host in Processes)
            {
                await host.DisposeAsync();
            }
        }
    }

    private sealed record Measurement(double Ops, LatencyRecorder Latencies, double ReplicaCpuPerOp, double ClientCpuPerOp, double BatchSize);
}
