using System.Globalization;

namespace LogService.Replication.TestHost;

// Test-only replica host. Commands:
//   init    --out FILE --replicas N [--batch N] [--pipeline N] [--batch-delay-ms N] [--checkpoint N]
//           [--request-timeout-ms N] [--leader-change-timeout-ms N] [--sync]
//   echo    --cluster FILE --id I                   transport-only echo server (benchmark baseline)
//   replica --cluster FILE --id I --state null|chain [--data DIR] [--events]
//   load    --cluster FILE --clients N --size B --seconds S [--echo]
// A server prints "ready" once listening and runs until killed or until its standard input closes,
// so hosts never outlive the process that started them.
internal static class HostMain
{
    // A named entry point rather than top-level statements: the benchmark references this assembly and has its own Program.
    public static async Task<int> Main(string[] args)
    {
        var options = CommandLine.Parse(args);
        switch (args.FirstOrDefault())
        {
            case "init":
                var cluster = ClusterConfig.Create(options.Int("replicas", 4));
                cluster.MaxBatchCount = options.Int("batch", cluster.MaxBatchCount);
                cluster.PipelineDepth = options.Int("pipeline", cluster.PipelineDepth);
                cluster.BatchDelayMs = options.Int("batch-delay-ms", cluster.BatchDelayMs);
                cluster.CheckpointPeriod = options.Int("checkpoint", cluster.CheckpointPeriod);
                cluster.RequestTimeoutMs = options.Int("request-timeout-ms", cluster.RequestTimeoutMs);
                cluster.LeaderChangeTimeoutMs = options.Int("leader-change-timeout-ms", cluster.LeaderChangeTimeoutMs);
                cluster.SyncWrites = options.Flag("sync");
                cluster.Save(options.Text("out"));
                return 0;
            case "echo":
                await EchoHost.RunAsync(ClusterConfig.Load(options.Text("cluster")), options.Int("id"));
                return 0;
            case "replica":
                await ReplicaHost.RunAsync(
                    ClusterConfig.Load(options.Text("cluster")), options.Int("id"), options.Text("state", "null"), options.TextOrNull("data"), options.Flag("events"));
                return 0;
            case "load":
                var load = ClusterConfig.Load(options.Text("cluster"));
                var (clients, size, seconds) = (options.Int("clients", 1), options.Int("size", 0), options.Int("seconds", 10));
                double ops;
                LatencyRecorder latencies;
                if (options.Flag("echo"))
                {
                    (ops, latencies) = await EchoLoad.RunAsync(load, 0, clients, size, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(seconds));
                }
                else
                {
                    (ops, latencies, _) = await ProxyLoad.RunAsync(load, clients, size, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(seconds));
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"ops_per_s\":{ops:F0},\"p50_ms\":{latencies.Percentile(0.5):F3},\"p99_ms\":{latencies.Percentile(0.99):F3}}}"));
                return 0;
            default:
                Console.Error.WriteLine("usage: LogService.Replication.TestHost init|echo|replica|load [--option value ...]");
                return 2;
        }
    }
}
