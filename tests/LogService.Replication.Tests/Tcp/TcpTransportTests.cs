using System.Net;
using System.Text;
using LogService.Replication.Tcp;
using LogService.Replication.Transport;

namespace LogService.Replication.Tests.Tcp;

public sealed class TcpTransportTests
{
    [Fact]
    public async Task ReplicasExchangeMessagesIntactWithTheirAuthenticSenders()
    {
        var net = new TcpTestNetwork(3);
        var consumers = new[] { new RecordingConsumer(), new RecordingConsumer(), new RecordingConsumer() };
        var replicas = new ITcpTransport[3];
        for (var i = 0; i < 3; i++)
        {
            replicas[i] = TcpTransport.CreateReplica(net.ReplicaOptions(i));
            await replicas[i].StartAsync(consumers[i], CancellationToken.None);
        }

        try
        {
            // Connect every link first; messages sent while a link connects are queued, so only the first is awaited.
            for (var from = 0; from < 3; from++)
            {
                for (var to = 0; to < 3; to++)
                {
                    var probe = Encoding.UTF8.GetBytes($"probe {from}->{to}");
                    var (sender, message) = await consumers[to].SendUntilReceivedAsync(replicas[from], to, probe);
                    Assert.Equal(from, sender);
                    Assert.Equal(probe, message);
                    while (consumers[to].TryTakeMessage(out _))
                    {
                    }
                }
            }

            var large = new byte[300_000];
            new Random(7).NextBytes(large);
            var sizes = new[] { 0, 1, 1000, large.Length };
            foreach (var size in sizes)
            {
                Assert.True(replicas[2].TrySend(0, large.AsSpan(0, size)));
            }

            foreach (var size in sizes)
            {
                var (from, message) = await NextNonProbeAsync(consumers[0]);
                Assert.Equal(2, from);
                Assert.Equal(large.AsSpan(0, size).ToArray(), message);
            }

            Assert.False(consumers[0].HasFaults);
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ClientsShareAConnectionAndGetRepliesOverIt()
    {
        var net = new TcpTestNetwork(1, clientIds: 3);
        var replicaConsumer = new RecordingConsumer();
        await using var replica = TcpTransport.CreateReplica(net.ReplicaOptions(0));
        await replica.StartAsync(replicaConsumer, CancellationToken.None);
        var clients = TcpTransport.CreateClients(net.ClientOptions());
        var clientConsumers = clients.Select(_ => new RecordingConsumer()).ToArray();
        for (var i = 0; i < clients.Count; i++)
        {
            await clients[i].StartAsync(clientConsumers[i], CancellationToken.None);
        }

        try
        {
            for (var i = 0; i < clients.Count; i++)
            {
                var request = Encoding.UTF8.GetBytes($"request {i}");
                var (from, message) = await replicaConsumer.SendUntilReceivedAsync(clients[i], 0, request);
                Assert.Equal(TcpTestNetwork.ClientId + i, from);
                Assert.Equal(request, message);
            }

            for (var i = 0; i < clients.Count; i++)
            {
                var reply = Encoding.UTF8.GetBytes($"reply {i}");
                Assert.True(replica.TrySend(TcpTestNetwork.ClientId + i, reply));
                var (from, message) = await clientConsumers[i].NextMessageAsync();
                Assert.Equal(0, from);
                Assert.Equal(reply, message);
            }

            Assert.False(replica.TrySend(TcpTestNetwork.ClientId + clients.Count, [1]), "an id nobody connected for");
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ReplicaWithAWrongKeyFailsTheHandshake()
    {
        var net = new TcpTestNetwork(2);
        var impostorKey = TcpNodeKey.Generate();
        var consumer0 = new RecordingConsumer();
        var consumer1 = new RecordingConsumer();

        // Replica 1 expects a different key for replica 0 than the one replica 0 holds.
        await using var replica1 = TcpTransport.CreateReplica(net.ReplicaOptions(1, peers => peers[0] = peers[0] with { PublicKey = impostorKey.PublicKey }));
        await replica1.StartAsync(consumer1, CancellationToken.None);
        await using var replica0 = TcpTransport.CreateReplica(net.ReplicaOptions(0));
        await replica0.StartAsync(consumer0, CancellationToken.None);
        replica0.TrySend(1, [1, 2, 3]);

        var (from, fault, _) = await consumer1.NextFaultAsync();
        Assert.Equal(0, from);
        Assert.Equal(PeerFault.HandshakeFailed, fault);
        Assert.False(consumer1.TryTakeMessage(out _));
    }

    [Fact]
    public async Task UnconfiguredClientIsRefusedUnlessAnyClientIsAccepted()
    {
        var net = new TcpTestNetwork(1);
        var strangerKey = TcpNodeKey.Generate();
        var consumer = new RecordingConsumer();
        await using (var strict = TcpTransport.CreateReplica(net.ReplicaOptions(0)))
        {
            await strict.StartAsync(consumer, CancellationToken.None);
            var stranger = TcpTransport.CreateClients(net.ClientOptions(strangerKey, self: 5000));
            await stranger[0].StartAsync(new RecordingConsumer(), CancellationToken.None);
            stranger[0].TrySend(0, [1]);
            var (from, fault, _) = await consumer.NextFaultAsync();
            Assert.Equal(5000, from);
            Assert.Equal(PeerFault.HandshakeFailed, fault);
            await DisposeAllAsync(stranger);
        }

        var options = net.ReplicaOptions(0);
        options.AcceptAnyClient = true;
        var open = new RecordingConsumer();
        await using var lenient = TcpTransport.CreateReplica(options);
        await lenient.StartAsync(open, CancellationToken.None);
        var first = TcpTransport.CreateClients(net.ClientOptions(strangerKey, self: 5000));
        await first[0].StartAsync(new RecordingConsumer(), CancellationToken.None);
        var (sender, _) = await open.SendUntilReceivedAsync(first[0], 0, [42]);
        Assert.Equal(5000, sender);

        // While the first client is connected, another key cannot take its id.
        var usurper = TcpTransport.CreateClients(net.ClientOptions(TcpNodeKey.Generate(), self: 5000));
        await usurper[0].StartAsync(new RecordingConsumer(), CancellationToken.None);
        usurper[0].TrySend(0, [66]);
        var (claimed, refused, _) = await open.NextFaultAsync();
        Assert.Equal(5000, claimed);
        Assert.Equal(PeerFault.HandshakeFailed, refused);
        await DisposeAllAsync(usurper);
        await DisposeAllAsync(first);
    }

    [Theory]
    [InlineData(nameof(TamperingProxy.FlipBitInFirstDataFrame), PeerFault.BadMac)]
    [InlineData(nameof(TamperingProxy.ReplayFirstDataFrame), PeerFault.Replay)]
    [InlineData(nameof(TamperingProxy.OversizeFirstDataFrame), PeerFault.MalformedFrame)]
    public async Task TamperedStreamIsRejectedAndTheLinkRecovers(string tampering, PeerFault expected)
    {
        var net = new TcpTestNetwork(2);
        var consumer1 = new RecordingConsumer();
        await using var replica1 = TcpTransport.CreateReplica(net.ReplicaOptions(1));
        await replica1.StartAsync(consumer1, CancellationToken.None);
        var tamper = typeof(TamperingProxy).GetMethod(tampering)!.CreateDelegate<Func<int, byte[], IEnumerable<byte[]>>>();
        await using var proxy = new TamperingProxy(net.EndPoints[1], tamper);

        // Replica 0 (the dialer of the pair) reaches replica 1 only through the proxy.
        await using var replica0 = TcpTransport.CreateReplica(net.ReplicaOptions(0, peers => peers[1] = peers[1] with { EndPoint = proxy.EndPoint }));
        await replica0.StartAsync(new RecordingConsumer(), CancellationToken.None);
        Assert.True(replica0.TrySend(1, Encoding.UTF8.GetBytes("first frame, tampered on the wire")));

        var (from, fault, _) = await consumer1.NextFaultAsync();
        Assert.Equal(0, from);
        Assert.Equal(expected, fault);
        if (expected != PeerFault.Replay)
        {
            Assert.False(consumer1.TryTakeMessage(out _), "a rejected frame must not be delivered");
        }

        // The connection was dropped, not the process: replica 0 reconnects and later frames get through.
        var after = Encoding.UTF8.GetBytes("after reconnect");
        var (sender, message) = await ReceiveSkippingAsync(consumer1, replica0, after);
        Assert.Equal(0, sender);
        Assert.Equal(after, message);
    }

    public static TheoryData<int> GarbageSeeds() => [.. Enumerable.Range(0, 16)];

    [Theory]
    [MemberData(nameof(GarbageSeeds))]
    public async Task GarbageOnAnAuthenticatedLinkIsReportedAndNeverDelivered(int seed)
    {
        var net = new TcpTestNetwork(2);
        var consumer1 = new RecordingConsumer();
        await using var replica1 = TcpTransport.CreateReplica(net.ReplicaOptions(1));
        await replica1.StartAsync(consumer1, CancellationToken.None);
        await using var proxy = new TamperingProxy(net.EndPoints[1], TamperingProxy.GarbageInsteadOfFirstDataFrame(seed));
        await using var replica0 = TcpTransport.CreateReplica(net.ReplicaOptions(0, peers => peers[1] = peers[1] with { EndPoint = proxy.EndPoint }));
        await replica0.StartAsync(new RecordingConsumer(), CancellationToken.None);
        replica0.TrySend(1, [1, 2, 3]);

        var (from, fault, _) = await consumer1.NextFaultAsync();
        Assert.Equal(0, from);
        Assert.Contains(fault, new[] { PeerFault.BadMac, PeerFault.MalformedFrame });
        Assert.False(consumer1.TryTakeMessage(out _), "the garbage replaced the only message sent");
    }

    [Fact]
    public async Task GarbageInsteadOfAHandshakeIsReportedAndTheDialerRetries()
    {
        var net = new TcpTestNetwork(2);
        var consumer1 = new RecordingConsumer();
        await using var replica1 = TcpTransport.CreateReplica(net.ReplicaOptions(1));
        await replica1.StartAsync(consumer1, CancellationToken.None);
        await using var proxy = new TamperingProxy(net.EndPoints[1], (index, message) =>
        {
            if (index == 0)
            {
                message.AsSpan(4).Fill(0xA5);
            }

            return [message];
        });
        await using var replica0 = TcpTransport.CreateReplica(net.ReplicaOptions(0, peers => peers[1] = peers[1] with { EndPoint = proxy.EndPoint }));
        await replica0.StartAsync(new RecordingConsumer(), CancellationToken.None);

        var (_, fault, _) = await consumer1.NextFaultAsync();
        Assert.Equal(PeerFault.HandshakeFailed, fault);
        var (from, message) = await consumer1.SendUntilReceivedAsync(replica0, 1, [7]);
        Assert.Equal(0, from);
        Assert.Equal(new byte[] { 7 }, message);
    }

    [Fact]
    public async Task LinkReconnectsAfterThePeerRestarts()
    {
        var net = new TcpTestNetwork(2);
        await using var replica0 = TcpTransport.CreateReplica(net.ReplicaOptions(0));
        await replica0.StartAsync(new RecordingConsumer(), CancellationToken.None);
        var before = new RecordingConsumer();
        var replica1 = TcpTransport.CreateReplica(net.ReplicaOptions(1));
        await replica1.StartAsync(before, CancellationToken.None);
        Assert.Equal(0, (await before.SendUntilReceivedAsync(replica0, 1, [1])).From);
        await replica1.DisposeAsync();

        var after = new RecordingConsumer();
        await using var restarted = TcpTransport.CreateReplica(net.ReplicaOptions(1));
        await restarted.StartAsync(after, CancellationToken.None);
        var (from, message) = await after.SendUntilReceivedAsync(replica0, 1, [2]);
        Assert.Equal(0, from);
        Assert.Equal(new byte[] { 2 }, message);
    }

    [Fact]
    public async Task FullQueueDropsAndCountsInsteadOfBlocking()
    {
        var net = new TcpTestNetwork(2);
        var options = net.ReplicaOptions(0);
        options.MaxMessageBytes = 1000;
        options.MaxQueuedBytes = 4 * (1000 + 50);

        // Replica 1 never starts, so nothing drains replica 0's queue for it.
        await using var replica0 = TcpTransport.CreateReplica(options);
        await replica0.StartAsync(new RecordingConsumer(), CancellationToken.None);
        var message = new byte[1000];
        var accepted = 0;
        for (var i = 0; i < 10; i++)
        {
            accepted += replica0.TrySend(1, message) ? 1 : 0;
        }

        Assert.Equal(4, accepted);
        Assert.Equal(6, replica0.DroppedMessages);
        Assert.False(replica0.TrySend(1, new byte[1001]), "larger than MaxMessageBytes");
        Assert.False(replica0.TrySend(7, [1]), "unknown peer");
        Assert.Equal(8, replica0.DroppedMessages);
    }

    [Fact]
    public async Task MessagesToSelfAreDeliveredOutsideTrySend()
    {
        var net = new TcpTestNetwork(1);
        var consumer = new RecordingConsumer();
        await using var replica = TcpTransport.CreateReplica(net.ReplicaOptions(0));
        await replica.StartAsync(consumer, CancellationToken.None);
        Assert.True(replica.TrySend(0, [9, 9]));
        var (from, message) = await consumer.NextMessageAsync();
        Assert.Equal(0, from);
        Assert.Equal(new byte[] { 9, 9 }, message);
    }

    [Fact]
    public void OptionsWithoutAKeyOrWithAQueueSmallerThanAMessageAreRejected()
    {
        Assert.Throws<ArgumentException>(() => TcpTransport.CreateReplica(new TcpTransportOptions { Self = 0 }));
        var net = new TcpTestNetwork(1);
        var options = net.ReplicaOptions(0);
        options.MaxQueuedBytes = options.MaxMessageBytes;
        Assert.Throws<ArgumentException>(() => TcpTransport.CreateReplica(options));
        Assert.Throws<ArgumentException>(() => TcpTransport.CreateReplica(net.ClientOptions()));
        Assert.Throws<ArgumentException>(() => TcpTransport.CreateClients(net.ReplicaOptions(0)));
        Assert.Equal(IPAddress.Loopback, net.EndPoints[0].Address);
    }

    private static async Task<(int From, byte[] Message)> NextNonProbeAsync(RecordingConsumer consumer)
    {
        while (true)
        {
            var next = await consumer.NextMessageAsync();
            if (!Encoding.UTF8.GetString(next.Message).StartsWith("probe", StringComparison.Ordinal))
            {
                return next;
            }
        }
    }

    /// <summary>Sends until <paramref name="message"/> arrives, skipping what was delivered before (e.g. a replayed original).</summary>
    private static async Task<(int From, byte[] Message)> ReceiveSkippingAsync(RecordingConsumer consumer, ITransport sender, byte[] message)
    {
        while (true)
        {
            var received = await consumer.SendUntilReceivedAsync(sender, 1, message);
            if (received.Message.AsSpan().SequenceEqual(message))
            {
                return received;
            }
        }
    }

    private static async Task DisposeAllAsync(IEnumerable<ITransport> transports)
    {
        foreach (var transport in transports)
        {
            await transport.DisposeAsync();
        }
    }
}
