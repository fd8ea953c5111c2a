using System.Diagnostics;
using LogService.Replication.Tcp;
using LogService.Replication.Transport;

namespace LogService.Replication.TestHost;

/// <summary>
/// Closed-loop clients: each holds a <see cref="ServiceProxy"/> and invokes ordered requests back to back.
/// All clients of one run share one authenticated connection per replica.
/// </summary>
internal static class ProxyLoad
{
    private static int s_nextClientId = NodeIds.FirstClientId;

    /// <summary>Runs the load; <paramref name="cpuClocks"/> are read when measuring starts and ends.</summary>
    /// <returns>Throughput, latencies, and how much each CPU clock advanced while measuring.</returns>
    public static async Task<(double OpsPerSecond, LatencyRecorder Latencies, TimeSpan[] CpuUsed)> RunAsync(
        ClusterConfig cluster, int clients, int size, TimeSpan warmUp, TimeSpan duration, params Func<TimeSpan>[] cpuClocks)
    {
        var recorder = new LatencyRecorder();
        var proxies = CreateProxies(cluster, clients);
        using var stop = new CancellationTokenSource();
        var payload = new byte[size];
        var loops = proxies.Select(proxy => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await proxy.InvokeOrderedAsync(payload, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                recorder.Record(start);
            }
        })).ToArray();

        await Task.Delay(warmUp);
        var cpuAtStart = cpuClocks.Select(c => c()).ToArray();
        recorder.Start();
        var clock = Stopwatch.StartNew();
        await Task.Delay(duration);
        recorder.Stop();
        var cpuUsed = cpuClocks.Select((c, i) => c() - cpuAtStart[i]).ToArray();
        var ops = recorder.Count / clock.Elapsed.TotalSeconds;
        stop.Cancel();
        await Task.WhenAll(loops);
        foreach (var proxy in proxies)
        {
            await proxy.DisposeAsync();
        }

        return (ops, recorder, cpuUsed);
    }

    /// <summary>
    /// Proxies for <paramref name="count"/> client ids never used before in this process, so that replicas, which
    /// remember each client's last request sequence, treat every run's requests as new.
    /// </summary>
    public static IReadOnlyList<ServiceProxy> CreateProxies(ClusterConfig cluster, int count)
    {
        var first = Interlocked.Add(ref s_nextClientId, count) - count;
        if (first + count > NodeIds.FirstClientId + cluster.ClientIdCount)
        {
            throw new InvalidOperationException("the cluster's client key has no unused client ids left");
        }

        var options = cluster.Replication(null, null);
        return TcpTransport.CreateClients(cluster.ClientTransport(first, count)).Select(t => new ServiceProxy(options, t)).ToArray();
    }
}
