namespace LogService.Replication.Events;

/// <summary>What a <see cref="ReplicationEvent"/> reports.</summary>
public enum ReplicationEventKind
{
    /// <summary>A protocol message left this node.</summary>
    MessageSent,

    /// <summary>A protocol message arrived and decoded.</summary>
    MessageReceived,

    /// <summary>A consensus instance was decided (2f+1 matching ACCEPTs).</summary>
    Decided,

    /// <summary>A decided batch was executed by the state machine.</summary>
    Executed,

    /// <summary>A timer expired (request, leader change or state transfer).</summary>
    Timeout,

    /// <summary>This replica suspects the current leader and asks for a leader change.</summary>
    Suspicion,

    /// <summary>A new regency was installed; the leader is <c>Regency mod n</c>.</summary>
    LeaderChanged,

    /// <summary>A checkpoint of the state was taken.</summary>
    Checkpoint,

    /// <summary>State transfer started because this replica is behind.</summary>
    StateTransferStarted,

    /// <summary>State transfer installed a checkpoint and/or decided batches.</summary>
    StateTransferCompleted,

    /// <summary>A peer misbehaved; <see cref="ReplicationEvent.Misbehaviour"/> says how and <see cref="ReplicationEvent.Evidence"/> may prove it.</summary>
    Misbehaviour,

    /// <summary>This subscription dropped events because it was full; <see cref="ReplicationEvent.Count"/> says how many.</summary>
    EventsDropped,
}

/// <summary>Kinds of misbehaviour a replica detects.</summary>
public enum MisbehaviourKind
{
    /// <summary>Not a misbehaviour event.</summary>
    None,

    /// <summary>Two validly signed, conflicting proposals from one leader for one instance and regency.</summary>
    Equivocation,

    /// <summary>The transport rejected a frame's MAC.</summary>
    BadMac,

    /// <summary>The transport could not parse a frame.</summary>
    MalformedFrame,

    /// <summary>The transport saw a replayed or reordered frame on an authenticated link.</summary>
    Replay,

    /// <summary>The transport's handshake with the peer failed.</summary>
    HandshakeFailed,

    /// <summary>A frame authenticated but its protocol message did not decode or broke a protocol rule.</summary>
    MalformedMessage,

    /// <summary>A signature on a proposal, acceptance or leader-change message did not verify.</summary>
    InvalidSignature,

    /// <summary>A leader proposed a batch that breaks the rules (timestamp, size, carried-forward value).</summary>
    InvalidProposal,

    /// <summary>A replica sent state-transfer content that f+1 other replicas' digests contradict.</summary>
    InvalidStateContent,
}

/// <summary>Protocol message types, as they appear on the wire.</summary>
public enum MessageKind : byte
{
    /// <summary>Not a message event.</summary>
    None = 0,

    /// <summary>Client request.</summary>
    Request = 1,

    /// <summary>Replica reply to a client.</summary>
    Reply = 2,

    /// <summary>Leader's signed batch proposal.</summary>
    Propose = 3,

    /// <summary>First voting phase.</summary>
    Write = 4,

    /// <summary>Second voting phase (signed).</summary>
    Accept = 5,

    /// <summary>Request to change the leader.</summary>
    Stop = 6,

    /// <summary>A replica's signed consensus state, sent to the new leader.</summary>
    StopData = 7,

    /// <summary>The new leader's collected states, so everyone computes the same carried-forward values.</summary>
    Sync = 8,

    /// <summary>A pending client request forwarded to the leader.</summary>
    Forward = 9,

    /// <summary>A lagging replica asks for state.</summary>
    StateRequest = 10,

    /// <summary>A checkpoint and the decided batches after it.</summary>
    StateReply = 11,

    /// <summary>A replica installing a checkpoint asks for one part of the state it lacks (the data, or only its digest).</summary>
    StatePartRequest = 12,

    /// <summary>One part of the state, or its digest.</summary>
    StatePartReply = 13,
}
