using System.Buffers;
using LogService.Replication.Abstractions;
using LogService.Replication.Crypto;
using LogService.Replication.Durability;
using LogService.Replication.Events;
using LogService.Replication.Transport;
using LogService.Replication.Wire;

namespace LogService.Replication.Protocol;

/// <summary>
/// One replica's protocol state machine. It is driven by inputs (a message, a peer fault, a clock tick) from a single
/// thread, reads time only from its host, and emits outputs (sends, executions, events): the same code runs under the
/// real runtime and under the deterministic simulator. The parts of the protocol live in their own classes.
/// </summary>
internal sealed class ReplicaCore : IDisposable
{
    private readonly Queue<Message> selfQueue = new();
    private readonly ArrayBufferWriter<byte> writer = new(4096);

    public ReplicaCore(
        ReplicaConfig config, IReplicaHost host, IStateMachine stateMachine, IWalStore store, ReplicationEventStream events, FaultInjection? faults = null)
    {
        Config = config;
        Host = host;
        StateMachine = stateMachine;
        Events = events;
        Faults = faults ?? new FaultInjection();
        Signer = new Signer(config.SigningKey, config.PublicKeys);
        Log = new ConsensusLog(store);
        Clients = new ClientTable();
        Acceptor = new Acceptor(this);
        Proposer = new Proposer(this);
        Execution = new ExecutionManager(this);
        Checkpoints = new Checkpoints(this);
        LeaderChange = new LeaderChange(this);
        StateTransfer = new StateTransfer(this);
        RequestTimers = new RequestTimers(this);
    }

    public ReplicaConfig Config { get; }

    public IReplicaHost Host { get; }

    public IStateMachine StateMachine { get; }

    public ReplicationEventStream Events { get; }

    public FaultInjection Faults { get; }

    public Signer Signer { get; }

    public ConsensusLog Log { get; }

    public ClientTable Clients { get; }

    public Acceptor Acceptor { get; }

    public Proposer Proposer { get; }

    public ExecutionManager Execution { get; }

    public Checkpoints Checkpoints { get; }

    public LeaderChange LeaderChange { get; }

    public StateTransfer StateTransfer { get; }

    public RequestTimers RequestTimers { get; }

    public int Self => Config.Self;

    /// <summary>The installed regency; its leader is <c>regency mod n</c>.</summary>
    public int Regency { get; set; }

    /// <summary>Whether the installed regency's SYNC was processed (always true for regency 0).</summary>
    public bool Synced { get; set; } = true;

    public int Leader => Config.LeaderOf(Regency);

    public bool IsLeader => Leader == Self;

    public long Now => Host.Now;

    /// <summary>Recovers from the checkpoint and the WAL, then resumes where the state machine left off.</summary>
    public void Start()
    {
        new Recovery(this).Run();
        AfterStep();
    }

    public void OnMessage(int from, ReadOnlySpan<byte> bytes)
    {
        if (!NodeIds.IsReplica(from) ? from < NodeIds.FirstClientId : from >= Config.N)
        {
            return;
        }

        Message message;
        try
        {
            message = MessageCodec.Decode(bytes);
        }
        catch (WireFormatException e)
        {
            Misbehaviour(from, MisbehaviourKind.MalformedMessage, e.Message, Events.HasSubscribers ? [bytes.ToArray()] : null);
            return;
        }

        if (Events.HasSubscribers)
        {
            PublishMessage(ReplicationEventKind.MessageReceived, message, from, Self, bytes.Length);
        }

        Dispatch(from, message);
        AfterStep();
    }

    public void OnPeerFault(int from, PeerFault fault, string detail)
    {
        var kind = fault switch
        {
            PeerFault.BadMac => MisbehaviourKind.BadMac,
            PeerFault.MalformedFrame => MisbehaviourKind.MalformedFrame,
            PeerFault.Replay => MisbehaviourKind.Replay,
            _ => MisbehaviourKind.HandshakeFailed,
        };
        Misbehaviour(from, kind, detail);
    }

    /// <summary>Runs an input that is neither a message nor a tick (a batch's execution finishing), then what follows it.</summary>
    public void OnInput(Action input)
    {
        input();
        AfterStep();
    }

    /// <summary>Runs every timer that is due at the host's current time.</summary>
    public void Tick()
    {
        RequestTimers.Tick();
        LeaderChange.Tick();
        StateTransfer.Tick();
        AfterStep();
    }

    /// <summary>The earliest time at which <see cref="Tick"/> has something to do.</summary>
    public long NextDeadline =>
        Math.Min(Math.Min(RequestTimers.Deadline, LeaderChange.Deadline), Math.Min(StateTransfer.Deadline, Proposer.Deadline));

    public void Send(int to, Message message)
    {
        if (Faults.Silent)
        {
            return;
        }

        writer.ResetWrittenCount();
        MessageCodec.Encode(writer, message);
        Host.Send(to, writer.WrittenSpan);
        if (Events.HasSubscribers)
        {
            PublishMessage(ReplicationEventKind.MessageSent, message, Self, to, writer.WrittenCount);
        }
    }

    /// <summary>Sends to every other replica and delivers to this one after the current input.</summary>
    public void Broadcast(Message message)
    {
        if (Faults.Silent)
        {
            return;
        }

        writer.ResetWrittenCount();
        MessageCodec.Encode(writer, message);
        for (var r = 0; r < Config.N; r++)
        {
            if (r != Self)
            {
                Host.Send(r, writer.WrittenSpan);
            }
        }

        if (Events.HasSubscribers)
        {
            PublishMessage(ReplicationEventKind.MessageSent, message, Self, -1, writer.WrittenCount);
        }

        selfQueue.Enqueue(message);
    }

    public void Publish(ReplicationEventKind kind, long instance = 0, string? detail = null, long count = 0, ReadOnlyMemory<byte> digest = default)
    {
        if (Events.HasSubscribers)
        {
            Events.Publish(new ReplicationEvent
            {
                Kind = kind, Time = Now, Node = Self, Instance = instance, Regency = Regency, Detail = detail, Count = count, Digest = digest,
            });
        }
    }

    public void Misbehaviour(int from, MisbehaviourKind kind, string detail, IReadOnlyList<byte[]>? evidence = null)
    {
        if (Events.HasSubscribers)
        {
            Events.Publish(new ReplicationEvent
            {
                Kind = ReplicationEventKind.Misbehaviour, Time = Now, Node = Self, From = from, Regency = Regency,
                Misbehaviour = kind, Detail = detail, Evidence = evidence ?? [],
            });
        }
    }

    /// <summary>Queues a message for this replica itself, processed after the current input.</summary>
    public void DeliverToSelf(Message message) => selfQueue.Enqueue(message);

    public void Dispose() => Signer.Dispose();

    private void Dispatch(int from, Message message)
    {
        var fromReplica = NodeIds.IsReplica(from);
        switch (message)
        {
            case RequestMessage m when !fromReplica && !m.Forwarded && m.ClientId == from:
            case RequestMessage { Forwarded: true } when fromReplica:
                RequestTimers.OnRequest(from, (RequestMessage)message);
                break;
            case ProposeMessage m when fromReplica:
                Acceptor.OnPropose(from, m);
                break;
            case WriteMessage m when fromReplica:
                Acceptor.OnWrite(from, m);
                break;
            case AcceptMessage m when fromReplica:
                Acceptor.OnAccept(from, m);
                break;
            case StopMessage m when fromReplica:
                LeaderChange.OnStop(from, m);
                break;
            case StopDataMessage m when fromReplica:
                LeaderChange.OnStopData(from, m);
                break;
            case SyncMessage m when fromReplica:
                LeaderChange.OnSync(from, m);
                break;
            case StateRequestMessage m when fromReplica:
                StateTransfer.OnRequest(from, m);
                break;
            case StateReplyMessage m when fromReplica:
                StateTransfer.OnReply(from, m);
                break;
            case StatePartRequestMessage m when fromReplica:
                StateTransfer.OnPartRequest(from, m);
                break;
            case StatePartReplyMessage m when fromReplica:
                StateTransfer.OnPartReply(from, m);
                break;
            default:
                Misbehaviour(from, MisbehaviourKind.MalformedMessage, $"unexpected {message.Kind} from node {from}");
                break;
        }
    }

    private void AfterStep()
    {
        do
        {
            while (selfQueue.TryDequeue(out var m))
            {
                Dispatch(Self, m);
            }

            Proposer.TryPropose();
        }
        while (selfQueue.Count > 0);
    }

    private void PublishMessage(ReplicationEventKind kind, Message m, int from, int to, int size)
    {
        var digest = m switch
        {
            ProposeMessage p => p.ValueDigest,
            WriteMessage w => w.Digest,
            AcceptMessage a => a.Digest,
            _ => default(ReadOnlyMemory<byte>),
        };
        Events.Publish(new ReplicationEvent
        {
            Kind = kind, Time = Now, Node = Self, Message = m.Kind, Instance = m.InstanceOf, Regency = m.RegencyOf,
            From = from, To = to, Size = size, Digest = digest,
        });
    }
}
