using LogService.Replication.Tcp;

namespace LogService.Replication.TestHost;

/// <summary>Runs an <see cref="EchoServer"/> on a replica's endpoint until the parent goes away.</summary>
internal static class EchoHost
{
    public static async Task RunAsync(ClusterConfig cluster, int id)
    {
        ITcpTransport? transport = null;
        transport = TcpTransport.CreateReplica(cluster.ReplicaTransport(id));
        await using (transport)
        {
            await transport.StartAsync(new EchoServer(() => transport), CancellationToken.None);
            await Lifetime.RunUntilParentExitsAsync();
        }
    }
}
