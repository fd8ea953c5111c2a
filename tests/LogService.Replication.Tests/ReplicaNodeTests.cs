using System.Text;
using LogService.Replication.Events;
using LogService.Replication.Tests.Support;

namespace LogService.Replication.Tests;

/// <summary>The real runtime (event-loop thread, wall clock, file WAL) over the in-process network.</summary>
public sealed class ReplicaNodeTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "logsvc-replica-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ProxiesGetAgreedRepliesFromFourReplicas(bool background)
    {
        var network = new InMemoryNetwork();
        var machines = Enumerable.Range(0, 4).Select(_ => new ThreadSafeStateMachine(new TestStateMachine())).ToArray();
        var nodes = await StartReplicas(network, machines, background);
        var events = nodes[1].Events.Subscribe();
        await using var proxy = new ServiceProxy(Options(), network.Connect(1000));

        for (var i = 0; i < 20; i++)
        {
            var reply = Encoding.UTF8.GetString(await proxy.InvokeOrderedAsync(Encoding.UTF8.GetBytes($"op{i}")));
            Assert.StartsWith($"{i + 1}:", reply, StringComparison.Ordinal);
        }

        Assert.Equal("count=20", Encoding.UTF8.GetString(await proxy.InvokeReadOnlyAsync(Array.Empty<byte>())));
        Assert.Equal(0, proxy.Leader);
        await StopAll(nodes);
        Assert.Contains(Drain(events), e => e.Kind == ReplicationEventKind.Decided);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReplicaRestartedOverItsDataDirectoryRejoinsAndCatchesUp(bool background)
    {
        var network = new InMemoryNetwork();
        var machines = Enumerable.Range(0, 4).Select(_ => new ThreadSafeStateMachine(new TestStateMachine())).ToArray();
        var nodes = await StartReplicas(network, machines, background);
        await using var proxy = new ServiceProxy(Options(), network.Connect(1000));
        for (var i = 0; i < 5; i++)
        {
            await proxy.InvokeOrderedAsync(Encoding.UTF8.GetBytes($"a{i}"));
        }

        await nodes[3].DisposeAsync();
        for (var i = 0; i < 10; i++)
        {
            await proxy.InvokeOrderedAsync(Encoding.UTF8.GetBytes($"b{i}"));
        }

        nodes[3] = new ReplicaNode(Options(3, background), network.Connect(3), machines[3]);
        await nodes[3].StartAsync(CancellationToken.None);
        await proxy.InvokeOrderedAsync("c"u8.ToArray());
        // Compare at one instance both replicas have executed: the other replicas may be an instance ahead when 3 reaches 16 commands.
        await WaitUntil(() => machines[3].CommandCount == 16 && machines[3].LastExecutedInstance == machines[0].LastExecutedInstance);
        await StopAll(nodes);
        var instance = machines[0].LastExecutedInstance;
        Assert.Equal(instance, machines[3].LastExecutedInstance);
        // The same state (command count and the hash chain over every command), whether replica 3 executed the last
        // instances or installed a checkpoint taken after them.
        Assert.Equal(machines[0].Inner.TakeSnapshot(), machines[3].Inner.TakeSnapshot());
    }

    [Fact]
    public async Task CorruptedLinkIsReportedAsMisbehaviourAndOrderingContinues()
    {
        var network = new InMemoryNetwork();
        network.Corrupting[2] = true;
        var machines = Enumerable.Range(0, 4).Select(_ => new ThreadSafeStateMachine(new TestStateMachine())).ToArray();
        var nodes = await StartReplicas(network, machines);
        var events = nodes[0].Events.Subscribe();
        await using var proxy = new ServiceProxy(Options(), network.Connect(1000));
        for (var i = 0; i < 5; i++)
        {
            await proxy.InvokeOrderedAsync(Encoding.UTF8.GetBytes($"op{i}"));
        }

        await StopAll(nodes);
        var seen = Drain(events);
        Assert.Contains(seen, e => e.Misbehaviour == MisbehaviourKind.BadMac && e.From == 2);
        Assert.Contains(seen, e => e.Misbehaviour == MisbehaviourKind.MalformedMessage && e.From == 2);
    }

    [Fact]
    public void InvalidOptionsAreRejectedWithTheOptionName()
    {
        var network = new InMemoryNetwork();
        var e = Assert.Throws<ArgumentException>(() =>
            new ReplicaNode(TestKeys.Options(4, 0, o => new ReplicationOptions
            {
                ReplicaPublicKeys = o.ReplicaPublicKeys, SigningKey = o.SigningKey, PipelineDepth = 0,
            }), network.Connect(0), new TestStateMachine()));
        Assert.Contains("PipelineDepth", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new ServiceProxy(Options(), network.Connect(5)));
    }

    private static List<ReplicationEvent> Drain(EventSubscription s)
    {
        var list = new List<ReplicationEvent>();
        while (s.Reader.TryRead(out var e))
        {
            list.Add(e);
        }

        return list;
    }

    private ReplicationOptions Options(int self = -1, bool background = false) => TestKeys.Options(4, self, o => new ReplicationOptions
    {
        ReplicaCount = 4,
        ReplicaPublicKeys = o.ReplicaPublicKeys,
        SigningKey = o.SigningKey,
        CheckpointPeriod = 4,
        RequestTimeout = TimeSpan.FromMilliseconds(500),
        LeaderChangeTimeout = TimeSpan.FromSeconds(1),
        DataDirectory = self >= 0 ? Path.Combine(root, $"replica-{self}") : null,
        ExecuteInBackground = background,
    });

    private async Task<ReplicaNode[]> StartReplicas(InMemoryNetwork network, ThreadSafeStateMachine[] machines, bool background = false)
    {
        var nodes = Enumerable.Range(0, 4).Select(i => new ReplicaNode(Options(i, background), network.Connect(i), machines[i])).ToArray();
        foreach (var n in nodes)
        {
            await n.StartAsync(CancellationToken.None);
        }

        return nodes;
    }

    private static async Task StopAll(ReplicaNode[] nodes)
    {
        foreach (var n in nodes)
        {
            await n.DisposeAsync();
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 1000 && !condition(); i++)
        {
            await Task.Delay(20);
        }

        Assert.True(condition(), "condition not reached within 20 s");
    }
}
