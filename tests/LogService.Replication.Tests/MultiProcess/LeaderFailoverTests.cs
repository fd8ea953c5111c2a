using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using LogService.Replication.Transport;

namespace LogService.Replication.Tests.MultiProcess;

/// <summary>
/// Issue 4 §3: four replica processes on loopback TCP under client load; the leader is killed with SIGKILL;
/// ordering resumes under a new leader; nothing acknowledged is lost or executed twice; the killed replica restarts
/// on its own data and ends with exactly the same executed sequence as the others.
/// </summary>
public sealed class LeaderFailoverTests
{
    private const int Clients = 8;

    /// <summary>Liveness bound for each phase: exceeding it means progress stopped, not that it was slow.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task KilledLeaderIsReplacedAndRestartedReplicaCatchesUpWithoutLosingAcknowledgedRequests()
    {
        await using var cluster = await ReplicaProcesses.CreateAsync(
            4, "--checkpoint", "50", "--request-timeout-ms", "500", "--leader-change-timeout-ms", "1000");
        for (var id = 0; id < 4; id++)
        {
            await cluster.StartAsync(id);
        }

        var acknowledged = new ConcurrentDictionary<string, long>();
        var (transports, options) = cluster.Clients(NodeIds.FirstClientId, Clients + 1);
        var proxies = transports.Select(t => new ServiceProxy(options, t)).ToArray();
        using var stopLoad = new CancellationTokenSource();
        var load = proxies.Take(Clients).Select((proxy, c) => Task.Run(async () =>
        {
            for (var n = 0; !stopLoad.IsCancellationRequested; n++)
            {
                var request = $"client{c}-request{n}";
                try
                {
                    var reply = await proxy.InvokeOrderedAsync(Encoding.ASCII.GetBytes(request), stopLoad.Token);
                    acknowledged[request] = BinaryPrimitives.ReadInt64LittleEndian(reply);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        })).ToArray();

        try
        {
            await WaitForAsync(() => acknowledged.Count >= 100, "initial load", cluster);

            // Replica 0 leads regency 0.
            await cluster.KillAsync(0);
            var atKill = acknowledged.Count;
            await WaitForAsync(() => acknowledged.Count >= atKill + 100, "load after the leader was killed", cluster);

            await cluster.StartAsync(0);
            var atRestart = acknowledged.Count;
            await WaitForAsync(() => acknowledged.Count >= atRestart + 100, "load after the replica restarted", cluster);
        }
        finally
        {
            stopLoad.Cancel();
            await Task.WhenAll(load);
        }

        // A trickle of requests lets the restarted replica notice it is behind; then every file must be identical.
        var probe = proxies[Clients];
        string[] chains = [];
        for (var n = 0; ; n++)
        {
            var request = $"probe-request{n}";
            acknowledged[request] = BinaryPrimitives.ReadInt64LittleEndian(
                await probe.InvokeOrderedAsync(Encoding.ASCII.GetBytes(request)).WaitAsync(Patience));
            await Task.Delay(200);
            chains = Enumerable.Range(0, 4).Select(cluster.ChainOf).ToArray();
            if (chains.Distinct().Count() == 1 || n >= 100)
            {
                break;
            }
        }

        foreach (var proxy in proxies)
        {
            await proxy.DisposeAsync();
        }

        Assert.True(chains.Distinct().Count() == 1, "replicas did not converge\n" + cluster.Diagnostics());
        var executed = ExecutedRequests(chains[1]);
        Assert.Equal(executed.Count, executed.Distinct().Count());
        var position = executed.Select((request, i) => (request, i)).ToDictionary(p => p.request, p => (long)p.i);
        foreach (var (request, reply) in acknowledged)
        {
            Assert.True(position.TryGetValue(request, out var at), $"acknowledged request {request} was lost");
            Assert.Equal(at, reply);
        }
    }

    /// <summary>The payloads of the executed commands, in execution order.</summary>
    private static List<string> ExecutedRequests(string chain) =>
        chain.Split('\n')
            .Where(line => line.StartsWith("C ", StringComparison.Ordinal))
            .Select(line => Encoding.ASCII.GetString(Convert.FromHexString(line.Split(' ')[3])))
            .ToList();

    private static async Task WaitForAsync(Func<bool> condition, string phase, ReplicaProcesses cluster)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"no progress during {phase}\n{cluster.Diagnostics()}");
            await Task.Delay(50);
        }
    }
}
