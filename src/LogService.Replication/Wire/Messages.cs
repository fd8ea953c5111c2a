using LogService.Replication.Events;

namespace LogService.Replication.Wire;

/// <summary>A decoded protocol message.</summary>
internal abstract record Message
{
    public abstract MessageKind Kind { get; }

    /// <summary>The consensus instance the message is about, or 0.</summary>
    public virtual long InstanceOf => 0;

    /// <summary>The regency the message belongs to, or 0.</summary>
    public virtual int RegencyOf => 0;
}

/// <summary>A client request, or (as <see cref="MessageKind.Forward"/>) one forwarded by a replica to the leader.</summary>
internal sealed record RequestMessage(int ClientId, long Sequence, bool ReadOnly, byte[] Payload, bool Forwarded) : Message
{
    public override MessageKind Kind => Forwarded ? MessageKind.Forward : MessageKind.Request;
}

internal sealed record ReplyMessage(long Sequence, bool ReadOnly, int Regency, byte[] Result) : Message
{
    public override MessageKind Kind => MessageKind.Reply;

    public override int RegencyOf => Regency;
}

internal sealed record ProposeMessage(int Regency, long Instance, byte[] Value, byte[] Signature) : Message
{
    private byte[]? valueDigest;

    /// <summary>
    /// The SHA-256 of <see cref="Value"/>, computed once per message: the value is a whole batch, and the leader's
    /// proposal is otherwise hashed again when signed, sent, captured and accepted.
    /// </summary>
    public byte[] ValueDigest
    {
        get => valueDigest ??= Crypto.Digest.Of(Value);
        init => valueDigest = value;
    }

    public override MessageKind Kind => MessageKind.Propose;

    public override long InstanceOf => Instance;

    public override int RegencyOf => Regency;
}

internal sealed record WriteMessage(int Regency, long Instance, byte[] Digest, byte[] LeaderSignature) : Message
{
    public override MessageKind Kind => MessageKind.Write;

    public override long InstanceOf => Instance;

    public override int RegencyOf => Regency;
}

internal sealed record AcceptMessage(int Regency, long Instance, byte[] Digest, byte[] Signature) : Message
{
    public override MessageKind Kind => MessageKind.Accept;

    public override long InstanceOf => Instance;

    public override int RegencyOf => Regency;
}

internal sealed record StopMessage(int Regency) : Message
{
    public override MessageKind Kind => MessageKind.Stop;

    public override int RegencyOf => Regency;
}

/// <summary>One signed ACCEPT inside a decision proof.</summary>
internal readonly record struct SignedAccept(int Replica, byte[] Signature);

/// <summary>2f+1 signed ACCEPTs for one (regency, instance, digest): transferable proof that the instance was decided.</summary>
internal sealed record DecisionProof(long Instance, int Regency, byte[] Digest, SignedAccept[] Accepts);

/// <summary>
/// A replica's consensus state for one open instance (valts, val, writeset in epoch-consensus terms):
/// ValueRegency is the regency in which it accepted Value (saw 2f+1 WRITEs), or -1.
/// </summary>
internal sealed record InstanceState(long Instance, int ValueRegency, byte[] ValueDigest, byte[] Value, WriteSetEntry[] WriteSet);

/// <summary>A value a replica sent WRITE for, with the highest regency in which it did.</summary>
internal readonly record struct WriteSetEntry(int Regency, byte[] Digest);

/// <summary>A replica's signed report to the next leader: what it decided last, and its state for open instances.</summary>
internal sealed record StopDataMessage(
    int Regency, int Replica, long LastExecuted, DecisionProof? LastDecided, InstanceState[] States, byte[] Signature) : Message
{
    public override MessageKind Kind => MessageKind.StopData;

    public override int RegencyOf => Regency;

    /// <summary>The encoded message as received, forwarded verbatim inside SYNC.</summary>
    public byte[] Raw { get; init; } = [];
}

internal sealed record SyncMessage(int Regency, byte[][] StopData) : Message
{
    public override MessageKind Kind => MessageKind.Sync;

    public override int RegencyOf => Regency;
}

internal sealed record StateRequestMessage(long LastExecuted) : Message
{
    public override MessageKind Kind => MessageKind.StateRequest;
}

/// <summary>
/// A decided value carried by state transfer, with the signed ACCEPTs that decided it when the sender has them
/// (a valid proof lets one replica's copy be trusted; without one, f+1 replicas must agree).
/// </summary>
internal sealed record DecidedValue(long Instance, byte[] Value, int Regency, SignedAccept[] Accepts)
{
    /// <summary>Whether every signature in <see cref="Accepts"/> was found valid; local only, not on the wire.</summary>
    public bool ProofChecked { get; init; }
}

/// <summary>State for a lagging replica; Sync relays the SYNC that installed the replier's regency (empty if none).</summary>
internal sealed record StateReplyMessage(int Regency, long CheckpointInstance, byte[] Checkpoint, DecidedValue[] Decided, byte[] Sync) : Message
{
    public override MessageKind Kind => MessageKind.StateReply;

    public override int RegencyOf => Regency;
}

/// <summary>
/// Asks for one part of the state a checkpoint summarizes (<see cref="Abstractions.IStateMachine.MissingParts"/>):
/// its content when <paramref name="WantData"/>, else only the content's digest, which f+1 replicas must agree on.
/// </summary>
internal sealed record StatePartRequestMessage(long CheckpointInstance, byte[] Part, bool WantData) : Message
{
    public override MessageKind Kind => MessageKind.StatePartRequest;
}

/// <summary>A part's content (empty unless asked for) and its digest; <paramref name="Held"/> is false when the replier lacks it.</summary>
internal sealed record StatePartReplyMessage(long CheckpointInstance, byte[] Part, bool Held, byte[] Digest, byte[] Data) : Message
{
    public override MessageKind Kind => MessageKind.StatePartReply;
}
