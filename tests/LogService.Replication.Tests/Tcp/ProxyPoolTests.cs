using System.Buffers.Binary;
using System.Text;
using LogService.Replication.Abstractions;
using LogService.Replication.Tcp;
using LogService.Replication.Tests.Support;

namespace LogService.Replication.Tests.Tcp;

/// <summary>
/// A front end's pool of proxies (each its own client id) sharing one process's TCP connections, invoking
/// concurrently against four replicas whose replies end in a per-replica trailer, as signed replies do.
/// </summary>
public sealed class ProxyPoolTests
{
    private const int Pool = 16;
    private const int OperationsEach = 12;

    [Fact]
    public async Task SixteenProxiesOverSharedConnectionsCollectQuorumsConcurrently()
    {
        var net = new TcpTestNetwork(4, clientIds: Pool);
        var machines = Enumerable.Range(0, 4).Select(_ => new ThreadSafeStateMachine(new TestStateMachine())).ToArray();
        var nodes = Enumerable.Range(0, 4)
            .Select(i => new ReplicaNode(Options(i), TcpTransport.CreateReplica(net.ReplicaOptions(i)), new TrailerStateMachine(i, machines[i])))
            .ToArray();
        foreach (var node in nodes)
        {
            await node.StartAsync(CancellationToken.None);
        }

        var proxies = TcpTransport.CreateClients(net.ClientOptions()).Select(t => new ServiceProxy(Options(), t)).ToArray();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var quorums = await Task.WhenAll(proxies.Select((proxy, p) => Task.Run(async () =>
        {
            var seen = new List<IReadOnlyList<ReplicaReply>>();
            for (var k = 0; k < OperationsEach; k++)
            {
                var request = Encoding.UTF8.GetBytes($"p{p}-{k}");
                seen.Add(k % 3 == 2
                    ? await proxy.InvokeReadOnlyAsync(request, 3, TrailerStateMachine.AgreedPart, patience.Token)
                    : await proxy.InvokeOrderedAsync(request, 2 + (k % 2), TrailerStateMachine.AgreedPart, patience.Token));
            }

            return seen;
        })));

        foreach (var proxy in proxies)
        {
            await proxy.DisposeAsync();
        }

        foreach (var node in nodes)
        {
            await node.DisposeAsync();
        }

        foreach (var quorum in quorums.SelectMany(q => q))
        {
            Assert.InRange(quorum.Count, 2, 3);
            Assert.Equal(quorum.Count, quorum.Select(r => r.Replica).Distinct().Count());
            Assert.All(quorum, r => Assert.Equal(r.Replica, TrailerStateMachine.ReplicaOf(r.Payload)));
            Assert.Single(quorum.Select(r => Convert.ToHexString(TrailerStateMachine.AgreedPart(r.Payload).Span)).Distinct());
        }

        // Every ordered invocation, and every read-only one that fell back to ordering, executed exactly once.
        var ordered = machines.Max(m => m.CommandCount);
        Assert.InRange(ordered, Pool * OperationsEach * 2 / 3, Pool * OperationsEach);
        Assert.Equal(ordered, machines.Select(m => m.Inner.Executed.Count(e => e.Payload.StartsWith('p'))).Max());
    }

    private static ReplicationOptions Options(int self = -1) => TestKeys.Options(4, self, o => new ReplicationOptions
    {
        ReplicaCount = 4,
        ReplicaPublicKeys = o.ReplicaPublicKeys,
        SigningKey = o.SigningKey,
        RequestTimeout = TimeSpan.FromSeconds(1),
    });

    /// <summary>Appends the replica's id to every reply, standing in for a per-replica signature trailer.</summary>
    private sealed class TrailerStateMachine(int replica, IStateMachine inner) : IStateMachine
    {
        public long LastExecutedInstance => inner.LastExecutedInstance;

        public static ReadOnlyMemory<byte> AgreedPart(ReadOnlyMemory<byte> reply) => reply.Length < 4 ? reply : reply[..^4];

        public static int ReplicaOf(byte[] reply) => BinaryPrimitives.ReadInt32LittleEndian(reply.AsSpan(reply.Length - 4));

        public IReadOnlyList<byte[]> Execute(OrderedBatch batch) => [.. inner.Execute(batch).Select(Sign)];

        public byte[] ExecuteReadOnly(ReadOnlyMemory<byte> query) => Sign(inner.ExecuteReadOnly(query));

        public byte[] TakeSnapshot() => inner.TakeSnapshot();

        public void RestoreSnapshot(long instance, ReadOnlyMemory<byte> snapshot) => inner.RestoreSnapshot(instance, snapshot);

        private byte[] Sign(byte[] reply)
        {
            var signed = new byte[reply.Length + 4];
            reply.CopyTo(signed, 0);
            BinaryPrimitives.WriteInt32LittleEndian(signed.AsSpan(reply.Length), replica);
            return signed;
        }
    }
}
