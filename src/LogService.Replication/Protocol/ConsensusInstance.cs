using LogService.Replication.Crypto;
using LogService.Replication.Events;
using LogService.Replication.Wire;

namespace LogService.Replication.Protocol;

/// <summary>
/// One consensus instance at one replica: the votes of the current regency, the durable epoch-consensus state
/// (accepted value and write set) that leader changes carry forward, and the decision.
/// </summary>
internal sealed class ConsensusInstance(long instance, int n)
{
    private readonly List<(byte[] Digest, byte[] Value)> knownValues = [];

    public long Instance { get; } = instance;

    /// <summary>The regency the proposal and votes below belong to.</summary>
    public int VoteRegency { get; private set; } = -1;

    public byte[]? ProposalDigest { get; set; }

    public byte[]? ProposalSignature { get; set; }

    /// <summary>When this replica received the PROPOSE, for the decision summary (0 when nobody subscribes to events).</summary>
    public long ProposalTime { get; set; }

    /// <summary>When each replica's WRITE / ACCEPT of the current vote regency arrived (0 when nobody subscribes).</summary>
    public long[] WriteTimes { get; } = new long[n];

    public long[] AcceptTimes { get; } = new long[n];

    public byte[]?[] Writes { get; } = new byte[n][];

    public byte[]?[] Accepts { get; } = new byte[n][];

    public byte[]?[] AcceptSignatures { get; } = new byte[n][];

    public bool WriteSent { get; set; }

    public bool AcceptSent { get; set; }

    /// <summary>Regency in which this replica accepted <see cref="ValueDigest"/> (saw 2f+1 WRITEs), or -1.</summary>
    public int ValueRegency { get; private set; } = -1;

    public byte[] ValueDigest { get; private set; } = new byte[Digest.Size];

    public List<WriteSetEntry> WriteSet { get; } = [];

    public bool Decided { get; private set; }

    public byte[]? DecidedValue { get; private set; }

    public byte[]? DecidedDigest { get; private set; }

    public int DecidedRegency { get; private set; }

    /// <summary>The ACCEPTs behind the decision; their signatures are unchecked until <see cref="ProofChecked"/>.</summary>
    public SignedAccept[] DecisionAccepts { get; private set; } = [];

    /// <summary>Whether <see cref="DecisionAccepts"/> holds only signatures found valid.</summary>
    public bool ProofChecked { get; private set; }

    /// <summary>Whether this replica decided from ACCEPTs it received from their signers (not from a relayed proof).</summary>
    public bool DecidedByVotes { get; private set; }

    /// <summary>Starts counting votes of <paramref name="regency"/>, forgetting those of earlier regencies.</summary>
    public void EnterRegency(int regency)
    {
        if (VoteRegency == regency)
        {
            return;
        }

        VoteRegency = regency;
        ProposalDigest = null;
        ProposalSignature = null;
        ProposalTime = 0;
        Array.Clear(WriteTimes);
        Array.Clear(AcceptTimes);
        Array.Clear(Writes);
        Array.Clear(Accepts);
        Array.Clear(AcceptSignatures);
        WriteSent = false;
        AcceptSent = false;
    }

    public int Count(byte[]?[] votes, byte[] digest)
    {
        var c = 0;
        foreach (var v in votes)
        {
            if (v is not null && Digest.Equal(v, digest))
            {
                c++;
            }
        }

        return c;
    }

    public void RememberValue(byte[] digest, byte[] value)
    {
        if (ValueFor(digest) is null)
        {
            knownValues.Add((digest, value));
        }
    }

    public byte[]? ValueFor(ReadOnlySpan<byte> digest)
    {
        foreach (var (d, v) in knownValues)
        {
            if (Digest.Equal(d, digest))
            {
                return v;
            }
        }

        return null;
    }

    /// <summary>Records that this replica sent WRITE for <paramref name="digest"/> in <paramref name="regency"/>.</summary>
    public void RecordWrite(int regency, byte[] digest)
    {
        for (var i = 0; i < WriteSet.Count; i++)
        {
            if (Digest.Equal(WriteSet[i].Digest, digest))
            {
                WriteSet[i] = new WriteSetEntry(Math.Max(regency, WriteSet[i].Regency), digest);
                return;
            }
        }

        WriteSet.Add(new WriteSetEntry(regency, digest));
    }

    public void RecordAccepted(int regency, byte[] digest)
    {
        ValueRegency = regency;
        ValueDigest = digest;
    }

    public void MarkDecided(int regency, byte[] digest, byte[] value, SignedAccept[] accepts, bool byVotes)
    {
        Decided = true;
        DecidedByVotes = byVotes;
        ProofChecked = false;
        DecidedRegency = regency;
        DecidedDigest = digest;
        DecidedValue = value;
        DecisionAccepts = accepts;
    }

    public void SetCheckedProof(SignedAccept[] accepts)
    {
        DecisionAccepts = accepts;
        ProofChecked = true;
    }

    /// <summary>
    /// Who sent the PROPOSE (<paramref name="leader"/>), WRITEs and ACCEPTs for <paramref name="digest"/> in the current
    /// vote regency, and when they arrived.
    /// </summary>
    public InstanceVote[] VotesFor(byte[] digest, int leader)
    {
        var votes = new List<InstanceVote>((2 * Writes.Length) + 1);
        if (ProposalDigest is { } proposed && Digest.Equal(proposed, digest))
        {
            votes.Add(new InstanceVote(MessageKind.Propose, leader, ProposalTime));
        }

        AddVotes(votes, MessageKind.Write, Writes, WriteTimes, digest);
        AddVotes(votes, MessageKind.Accept, Accepts, AcceptTimes, digest);
        return [.. votes];
    }

    /// <summary>The signed ACCEPTs this replica holds for <paramref name="digest"/> in the current vote regency.</summary>
    public SignedAccept[] CollectAccepts(byte[] digest)
    {
        var list = new List<SignedAccept>();
        for (var r = 0; r < Accepts.Length; r++)
        {
            if (Accepts[r] is { } d && Digest.Equal(d, digest) && AcceptSignatures[r] is { } s)
            {
                list.Add(new SignedAccept(r, s));
            }
        }

        return [.. list];
    }

    private static void AddVotes(List<InstanceVote> votes, MessageKind kind, byte[]?[] digests, long[] times, byte[] digest)
    {
        for (var r = 0; r < digests.Length; r++)
        {
            if (digests[r] is { } d && Digest.Equal(d, digest))
            {
                votes.Add(new InstanceVote(kind, r, times[r]));
            }
        }
    }

    /// <summary>This replica's truthful state for a STOPDATA report.</summary>
    public InstanceState ToState() => new(
        Instance,
        ValueRegency,
        ValueDigest,
        ValueRegency >= 0 ? ValueFor(ValueDigest) ?? [] : [],
        [.. WriteSet]);
}
