namespace LogService.Replication.Events;

/// <summary>
/// One observation from a replica or proxy. Fields that do not apply to <see cref="Kind"/> hold their defaults
/// (0, -1 for node ids, empty digest).
/// </summary>
public sealed class ReplicationEvent
{
    /// <summary>What happened.</summary>
    public required ReplicationEventKind Kind { get; init; }

    /// <summary>The reporting node's clock, in milliseconds since the Unix epoch (virtual in simulations).</summary>
    public required long Time { get; init; }

    /// <summary>The node that reports the event.</summary>
    public required int Node { get; init; }

    /// <summary>The message type, for message events.</summary>
    public MessageKind Message { get; init; }

    /// <summary>The consensus instance concerned, or 0.</summary>
    public long Instance { get; init; }

    /// <summary>The regency concerned, or 0.</summary>
    public int Regency { get; init; }

    /// <summary>The sender, or -1.</summary>
    public int From { get; init; } = -1;

    /// <summary>The receiver, or -1 (also -1 for a broadcast to all replicas).</summary>
    public int To { get; init; } = -1;

    /// <summary>The encoded message size in bytes.</summary>
    public int Size { get; init; }

    /// <summary>The value digest (SHA-256 of the proposed batch or checkpoint), when the event has one.</summary>
    public ReadOnlyMemory<byte> Digest { get; init; }

    /// <summary>A count: commands in a decided batch, events dropped, instances transferred.</summary>
    public long Count { get; init; }

    /// <summary>The kind of misbehaviour, for <see cref="ReplicationEventKind.Misbehaviour"/>.</summary>
    public MisbehaviourKind Misbehaviour { get; init; }

    /// <summary>
    /// For misbehaviour: what the offender sent, as documented per <see cref="MisbehaviourKind"/>; for an
    /// equivocation, transferable proof (the two conflicting signed proposal statements and their signatures).
    /// </summary>
    public IReadOnlyList<byte[]> Evidence { get; init; } = [];

    /// <summary>
    /// For <see cref="ReplicationEventKind.Decided"/> by votes: the leader's PROPOSE and every WRITE and ACCEPT for the
    /// decided value in the deciding regency that this replica received before deciding, with sender and arrival time.
    /// Empty for instances learnt by state transfer or recovery.
    /// </summary>
    public IReadOnlyList<InstanceVote> Votes { get; init; } = [];

    /// <summary>Human-readable detail.</summary>
    public string? Detail { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Time} n{Node} {Kind} {(Message == MessageKind.None ? "" : Message.ToString())} i={Instance} r={Regency} {From}->{To} {Detail}";
}
