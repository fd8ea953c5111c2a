using LogService.Replication.Durability;
using LogService.Replication.Events;
using LogService.Replication.Protocol;

namespace LogService.Replication.Tests.Support;

/// <summary>
/// A seeded discrete-event simulation of n replicas and some clients over an unreliable network, in virtual time.
/// Every random choice comes from one <see cref="Random"/>, and events at equal times run in scheduling order, so a
/// seed reproduces a run exactly. The replicas run the production <see cref="ReplicaCore"/>.
/// </summary>
internal sealed class Simulation
{
    public const long Epoch = 1_800_000_000_000;

    private readonly PriorityQueue<Action, (long Time, long Order)> queue = new();
    private long order;

    public Simulation(int seed, int n, int clients = 3, Func<ReplicaConfig, ReplicaConfig>? tweak = null)
    {
        Seed = seed;
        Random = new Random(seed);
        N = n;
        Now = Epoch;
        var keys = TestKeys.For(n);
        Replicas = [.. Enumerable.Range(0, n).Select(i =>
        {
            var config = new ReplicaConfig
            {
                N = n, Self = i, PublicKeys = [.. keys.Select(k => k.Public)], SigningKey = keys[i].Private,
                RequestTimeoutMs = 500, LeaderChangeTimeoutMs = 1000, CheckpointPeriod = 20, PipelineDepth = 3, MaxBatchCount = 16,
            };
            return new SimReplica(this, tweak is null ? config : tweak(config));
        })];
        Clients = [.. Enumerable.Range(0, clients).Select(i => new SimClient(this, Transport.NodeIds.FirstClientId + i))];
    }

    public int Seed { get; }

    public Random Random { get; }

    public int N { get; }

    public long Now { get; private set; }

    public SimReplica[] Replicas { get; }

    public SimClient[] Clients { get; }

    public NetworkConditions Network { get; set; } = NetworkConditions.Timely;

    /// <summary>Nodes cut off from everyone until healed.</summary>
    public HashSet<int> Isolated { get; } = [];

    /// <summary>Replicas whose every message is followed by a garbage frame or reported as a bad MAC.</summary>
    public HashSet<int> SendsGarbage { get; } = [];

    public List<ReplicationEvent> Events { get; } = [];

    public long Delivered { get; private set; }

    public void Start()
    {
        foreach (var r in Replicas)
        {
            r.Boot();
        }
    }

    public void At(long time, Action action) => queue.Enqueue(action, (Math.Max(time, Now), order++));

    /// <summary>Runs events until <paramref name="done"/> holds or virtual time passes <paramref name="until"/>; returns whether done.</summary>
    public bool RunUntil(Func<bool> done, long until)
    {
        while (!done())
        {
            if (!queue.TryDequeue(out var action, out var key) || key.Time > until)
            {
                if (key.Time > until)
                {
                    queue.Enqueue(action!, key);
                }

                Now = Math.Max(Now, until);
                return done();
            }

            Now = key.Time;
            action();
        }

        return true;
    }

    public void RunFor(long ms) => RunUntil(() => false, Now + ms);

    /// <summary>Sees every message a node transmits, before the network acts on it.</summary>
    public Action<int, int, byte[]>? Tap { get; set; }

    public void Transmit(int from, int to, byte[] message)
    {
        Tap?.Invoke(from, to, message);
        if (Isolated.Contains(from) || Isolated.Contains(to))
        {
            return;
        }

        var net = Network;
        if (Random.NextDouble() < net.DropRate)
        {
            return;
        }

        var copies = Random.NextDouble() < net.DuplicateRate ? 2 : 1;
        for (var c = 0; c < copies; c++)
        {
            var delay = net.MinDelayMs + Random.NextInt64(net.MaxDelayMs - net.MinDelayMs + 1);
            At(Now + delay, () => Deliver(from, to, message));
        }

        if (SendsGarbage.Contains(from))
        {
            var garbage = new byte[Random.Next(0, 64)];
            Random.NextBytes(garbage);
            if (garbage.Length > 1 && Random.Next(2) == 0)
            {
                garbage[0] = 1;
                garbage[1] = (byte)Random.Next(1, 12);
            }

            At(Now + net.MinDelayMs, () => Deliver(from, to, garbage));
            At(Now + net.MinDelayMs, () => DeliverFault(from, to));
        }
    }

    private void Deliver(int from, int to, byte[] message)
    {
        if (Isolated.Contains(from) || Isolated.Contains(to))
        {
            return;
        }

        Delivered++;
        if (to < N)
        {
            Replicas[to].Receive(from, message);
        }
        else
        {
            Clients[to - Transport.NodeIds.FirstClientId].Receive(from, message);
        }
    }

    private void DeliverFault(int from, int to)
    {
        if (to < N)
        {
            Replicas[to].Fault(from);
        }
    }
}

/// <summary>How the simulated network treats messages.</summary>
internal sealed record NetworkConditions(double DropRate, double DuplicateRate, long MinDelayMs, long MaxDelayMs)
{
    public static NetworkConditions Timely { get; } = new(0, 0, 1, 3);

    public static NetworkConditions Random(Random r) => new(
        DropRate: r.NextDouble() * 0.15,
        DuplicateRate: r.NextDouble() * 0.1,
        MinDelayMs: 1,
        MaxDelayMs: 2 + r.Next(200));
}
