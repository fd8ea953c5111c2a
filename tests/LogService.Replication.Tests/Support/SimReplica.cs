using LogService.Replication.Durability;
using LogService.Replication.Events;
using LogService.Replication.Protocol;
using LogService.Replication.Transport;

namespace LogService.Replication.Tests.Support;

/// <summary>One simulated replica: the production core over a virtual clock, an in-memory WAL and the simulated network.</summary>
internal sealed class SimReplica : IReplicaHost
{
    private readonly Simulation sim;
    private readonly List<(int To, byte[] Message)> outbox = [];
    private readonly ReplicationEventStream events = new();
    private long scheduledTick = long.MaxValue;
    private long tickToken;
    private readonly Queue<(Func<IReadOnlyList<byte[]>> Work, Action<IReadOnlyList<byte[]>> Then)> executions = new();
    private long executionToken;
    private long lastCompletion;

    public SimReplica(Simulation sim, ReplicaConfig config)
    {
        this.sim = sim;
        Config = config;
        var subscription = events.Subscribe(1 << 20);
        Subscription = subscription;
    }

    public ReplicaConfig Config { get; }

    public int Id => Config.Self;

    public MemoryWalStore Store { get; private set; } = new();

    public TestStateMachine StateMachine { get; private set; } = new();

    public FaultInjection Faults { get; } = new();

    public ReplicaCore? Core { get; private set; }

    public bool Alive { get; private set; }

    /// <summary>Whether this replica is allowed to deviate (its log is not checked).</summary>
    public bool Byzantine { get; set; }

    public EventSubscription Subscription { get; }

    public long Now => sim.Now;

    public long NextNonce() => sim.Random.NextInt64();

    public void Send(int to, ReadOnlySpan<byte> message) => outbox.Add((to, message.ToArray()));

    /// <summary>
    /// Whether decided batches execute as the real runtime runs them, off the protocol thread: each finishes 1–20
    /// virtual ms after the previous one, in order, while messages and timers keep being processed in between.
    /// </summary>
    public bool BackgroundExecution { get; set; }

    public bool ExecutesInBackground => BackgroundExecution;

    public void ExecuteInOrder(Func<IReadOnlyList<byte[]>> work, Action<IReadOnlyList<byte[]>> then)
    {
        executions.Enqueue((work, then));
        var token = executionToken;
        lastCompletion = Math.Max(lastCompletion, sim.Now) + 1 + sim.Random.Next(20);
        sim.At(lastCompletion, () =>
        {
            if (Alive && token == executionToken && executions.TryDequeue(out var execution))
            {
                var result = execution.Work();
                Step(_ => execution.Then(result));
            }
        });
    }

    public void WaitForExecutions()
    {
        while (executions.TryDequeue(out var execution))
        {
            execution.Then(execution.Work());
        }
    }

    public void Boot()
    {
        Core?.Dispose();
        Core = new ReplicaCore(Config, this, StateMachine, Store, events, Faults);
        Alive = true;
        scheduledTick = long.MaxValue;
        Step(c => c.Start());
    }

    /// <summary>Kills the replica: unflushed WAL records and in-flight work are lost; the state machine keeps what it persisted.</summary>
    public void Crash()
    {
        Alive = false;
        Store.Crash();
        outbox.Clear();
        tickToken++;
        executions.Clear();
        executionToken++;
    }

    /// <summary>Kills the replica and erases its disk and state.</summary>
    public void Wipe()
    {
        Crash();
        Store = new MemoryWalStore();
        StateMachine = new TestStateMachine { PartItems = StateMachine.PartItems };
    }

    /// <summary>Gives the replica a state machine whose checkpoints leave its log to be fetched in parts.</summary>
    public void UsePartedState(int partItems) => StateMachine = new TestStateMachine { PartItems = partItems };

    public void Receive(int from, byte[] message)
    {
        if (Alive)
        {
            Step(c => c.OnMessage(from, message));
        }
    }

    public void Fault(int from)
    {
        if (Alive)
        {
            Step(c => c.OnPeerFault(from, PeerFault.BadMac, "simulated bad MAC"));
        }
    }

    private void Step(Action<ReplicaCore> input)
    {
        input(Core!);
        Store.Flush();
        foreach (var (to, message) in outbox)
        {
            sim.Transmit(Id, to, message);
        }

        outbox.Clear();
        ScheduleTick();
    }

    private void ScheduleTick()
    {
        var deadline = Math.Max(Core!.NextDeadline, sim.Now);
        if (deadline == long.MaxValue || deadline == scheduledTick)
        {
            return;
        }

        scheduledTick = deadline;
        var token = ++tickToken;
        sim.At(deadline, () =>
        {
            if (Alive && token == tickToken)
            {
                scheduledTick = long.MaxValue;
                Step(c => c.Tick());
            }
        });
    }
}
