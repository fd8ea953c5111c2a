using LogService.Replication.Abstractions;
using LogService.Replication.Durability;
using LogService.Replication.Events;
using LogService.Replication.Hosting;
using LogService.Replication.Protocol;
using LogService.Replication.Transport;

namespace LogService.Replication;

/// <summary>
/// One replica: hosts an <see cref="IStateMachine"/> and runs the BFT ordering protocol with the other replicas over
/// an <see cref="ITransport"/>. All protocol work happens on one event-loop thread; transport threads only hand messages over.
/// </summary>
public sealed class ReplicaNode : IAsyncDisposable
{
    private readonly ReplicaCore core;
    private readonly EventLoop loop;

    /// <summary>Creates a replica whose id is <see cref="ITransport.Self"/>. It takes ownership of <paramref name="transport"/>.</summary>
    /// <exception cref="ArgumentException">An option is invalid, or the transport's id is not a replica id.</exception>
    public ReplicaNode(ReplicationOptions options, ITransport transport, IStateMachine stateMachine, ReplicationEventStream? events = null)
        : this(options, transport, stateMachine, events, null)
    {
    }

    /// <summary>
    /// Creates a replica that misbehaves as <paramref name="faults"/> says, for tests of the other replicas' tolerance.
    /// With no behaviour switched on it is an ordinary replica.
    /// </summary>
    /// <exception cref="ArgumentException">An option is invalid, or the transport's id is not a replica id.</exception>
    public ReplicaNode(
        ReplicationOptions options, ITransport transport, IStateMachine stateMachine, ReplicationEventStream? events, FaultInjection? faults)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(stateMachine);
        options.Validate(requireSigningKey: true);
        if (transport.Self < 0 || transport.Self >= options.ReplicaCount)
        {
            throw new ArgumentException($"the transport's id {transport.Self} is not a replica id (0..{options.ReplicaCount - 1})", nameof(transport));
        }

        Events = events ?? new ReplicationEventStream();
        IWalStore store = options.DataDirectory is null
            ? new MemoryWalStore()
            : new FileWalStore(options.DataDirectory, options.SyncWrites);
        loop = new EventLoop(transport, store, options.ExecuteInBackground);
        core = new ReplicaCore(ConfigFactory.ForReplica(options, transport.Self), loop, stateMachine, store, Events, faults);
        loop.Attach(core);
    }

    /// <summary>This replica's id.</summary>
    public int Id => core.Self;

    /// <summary>The protocol event stream: messages, decisions, timeouts, leader changes, checkpoints, state transfer, misbehaviour.</summary>
    public ReplicationEventStream Events { get; }

    /// <summary>Completes when the replica stops; faulted if the state machine or the engine failed.</summary>
    public Task Completion => loop.Completion;

    /// <summary>Recovers from the data directory, starts the transport and the event loop.</summary>
    public Task StartAsync(CancellationToken cancellationToken) => loop.StartAsync(cancellationToken);

    /// <summary>Stops the event loop and disposes the transport and the write-ahead log.</summary>
    public async ValueTask DisposeAsync()
    {
        await loop.DisposeAsync().ConfigureAwait(false);
        core.Dispose();
    }
}
