using LogService.Replication.Crypto;
using LogService.Replication.Events;
using LogService.Replication.Transport;
using LogService.Replication.Wire;

namespace LogService.Replication.Protocol;

/// <summary>
/// The acceptor role: validates the leader's signed PROPOSE, sends WRITE; on 2f+1 matching WRITEs sends a signed
/// ACCEPT; on 2f+1 matching ACCEPTs decides. Detects equivocation from the leader signatures carried in WRITEs.
/// </summary>
internal sealed class Acceptor(ReplicaCore core)
{
    private readonly Dictionary<long, ConsensusInstance> instances = [];

    /// <summary>Highest instance each replica was seen voting on; state transfer uses it to notice lag.</summary>
    public long[] HighestSeen { get; } = new long[core.Config.N];

    public IReadOnlyDictionary<long, ConsensusInstance> Instances => instances;

    public ConsensusInstance GetOrCreate(long instance)
    {
        if (!instances.TryGetValue(instance, out var c))
        {
            c = new ConsensusInstance(instance, core.Config.N);
            instances.Add(instance, c);
        }

        return c;
    }

    /// <summary>Forgets instances that are executed and no longer needed for proofs.</summary>
    public void Prune(long upTo)
    {
        foreach (var i in instances.Keys.Where(i => i <= upTo).ToList())
        {
            instances.Remove(i);
        }
    }

    public void OnPropose(int from, ProposeMessage m)
    {
        Seen(from, m.Instance, m.Regency);
        if (m.Regency != core.Regency || !core.Synced || from != core.Leader || !InWindow(m.Instance))
        {
            return;
        }

        var digest = Digest.Of(m.Value);
        if (!core.Signer.VerifyStatement(from, Signer.Statement.Propose, m.Regency, m.Instance, digest, m.Signature))
        {
            core.Misbehaviour(from, MisbehaviourKind.InvalidSignature, $"PROPOSE i={m.Instance} r={m.Regency}");
            return;
        }

        var c = GetOrCreate(m.Instance);
        if (c.Decided)
        {
            return;
        }

        c.EnterRegency(m.Regency);
        if (c.ProposalDigest is not null)
        {
            if (!Digest.Equal(c.ProposalDigest, digest))
            {
                ReportEquivocation(from, m.Regency, m.Instance, c.ProposalDigest, c.ProposalSignature!, digest, m.Signature);
            }

            return;
        }

        if (!core.Proposer.IsValidValue(m.Instance, m.Value, digest, out var reason))
        {
            core.Misbehaviour(from, MisbehaviourKind.InvalidProposal, $"PROPOSE i={m.Instance} r={m.Regency}: {reason}");
            return;
        }

        c.ProposalDigest = digest;
        c.ProposalSignature = m.Signature;
        c.RememberValue(digest, m.Value);
        c.RecordWrite(m.Regency, digest);
        core.Log.Wrote(m.Instance, m.Regency, m.Value);
        c.WriteSent = true;
        core.Broadcast(new WriteMessage(m.Regency, m.Instance, Vote(digest), m.Signature));
        TryAccept(c);
        TryDecide(c);
    }

    public void OnWrite(int from, WriteMessage m)
    {
        Seen(from, m.Instance, m.Regency);
        if (m.Regency != core.Regency || !InWindow(m.Instance))
        {
            return;
        }

        var c = GetOrCreate(m.Instance);
        c.EnterRegency(m.Regency);
        c.Writes[from] = m.Digest;
        if (c.ProposalDigest is { } mine && !Digest.Equal(mine, m.Digest) && from != core.Self &&
            core.Signer.VerifyStatement(core.Leader, Signer.Statement.Propose, m.Regency, m.Instance, m.Digest, m.LeaderSignature))
        {
            ReportEquivocation(core.Leader, m.Regency, m.Instance, mine, c.ProposalSignature!, m.Digest, m.LeaderSignature);
        }

        TryAccept(c);
    }

    public void OnAccept(int from, AcceptMessage m)
    {
        Seen(from, m.Instance, m.Regency);
        if (m.Regency != core.Regency || !InWindow(m.Instance))
        {
            return;
        }

        var c = GetOrCreate(m.Instance);
        c.EnterRegency(m.Regency);
        c.Accepts[from] = m.Digest;
        c.AcceptSignatures[from] = m.Signature;
        c.AcceptVerified[from] = from == core.Self;
        TryDecide(c);
    }

    /// <summary>Marks an instance decided with a value learned outside the vote (state transfer, recovery).</summary>
    public void DecideExternally(long instance, int regency, byte[] value, SignedAccept[] accepts)
    {
        var c = GetOrCreate(instance);
        if (!c.Decided)
        {
            var digest = Digest.Of(value);
            c.RememberValue(digest, value);
            c.MarkDecided(regency, digest, value, accepts);
        }
    }

    private void TryAccept(ConsensusInstance c)
    {
        if (c.AcceptSent || c.ProposalDigest is not { } d || c.Count(c.Writes, d) < core.Config.Quorum)
        {
            return;
        }

        c.AcceptSent = true;
        c.RecordAccepted(c.VoteRegency, d);
        core.Log.Accepted(c.Instance, c.VoteRegency, d);
        var vote = Vote(d);
        var signature = core.Signer.SignStatement(Signer.Statement.Accept, c.VoteRegency, c.Instance, vote);
        core.Broadcast(new AcceptMessage(c.VoteRegency, c.Instance, vote, signature));
    }

    private void TryDecide(ConsensusInstance c)
    {
        if (c.Decided)
        {
            return;
        }

        foreach (var d in c.Accepts)
        {
            if (d is null || c.Count(c.Accepts, d) < core.Config.Quorum || !VerifyAccepts(c, d))
            {
                continue;
            }

            // The value may still be missing (its PROPOSE was lost); state transfer fills such gaps.
            if (c.ValueFor(d) is not { } value)
            {
                return;
            }

            var accepts = c.CollectAccepts(d);
            c.MarkDecided(c.VoteRegency, d, value, accepts);
            core.Log.Decided(c.Instance, c.VoteRegency, value, accepts);
            core.Publish(ReplicationEventKind.Decided, c.Instance, digest: d);
            core.Execution.OnDecided();
            return;
        }
    }

    /// <summary>
    /// Checks the signatures of the ACCEPTs for <paramref name="digest"/> (once each), dropping invalid ones, so every
    /// decision this replica records carries a valid, transferable proof. Returns whether a quorum remains.
    /// </summary>
    private bool VerifyAccepts(ConsensusInstance c, byte[] digest)
    {
        for (var r = 0; r < c.Accepts.Length; r++)
        {
            if (c.AcceptVerified[r] || c.Accepts[r] is not { } d || !Digest.Equal(d, digest))
            {
                continue;
            }

            if (core.Signer.VerifyStatement(r, Signer.Statement.Accept, c.VoteRegency, c.Instance, d, c.AcceptSignatures[r]))
            {
                c.AcceptVerified[r] = true;
            }
            else
            {
                c.Accepts[r] = null;
                c.AcceptSignatures[r] = null;
                core.Misbehaviour(r, MisbehaviourKind.InvalidSignature, $"ACCEPT i={c.Instance} r={c.VoteRegency}");
            }
        }

        return c.Count(c.Accepts, digest) >= core.Config.Quorum;
    }

    private byte[] Vote(byte[] digest) => core.Faults.WrongDigests ? Digest.Of(digest) : digest;

    private bool InWindow(long instance) =>
        instance > core.Execution.LastExecuted && instance <= core.Execution.LastExecuted + core.Config.Window;

    private void Seen(int from, long instance, int regency)
    {
        if (NodeIds.IsReplica(from) && instance > HighestSeen[from])
        {
            HighestSeen[from] = instance;
        }

        core.StateTransfer.NoteRegency(from, regency);
    }

    private void ReportEquivocation(int leader, int regency, long instance, byte[] d1, byte[] s1, byte[] d2, byte[] s2)
    {
        core.Misbehaviour(
            leader,
            MisbehaviourKind.Equivocation,
            $"two signed proposals for i={instance} r={regency}",
            [
                Signer.StatementBytes(Signer.Statement.Propose, regency, instance, d1), s1,
                Signer.StatementBytes(Signer.Statement.Propose, regency, instance, d2), s2,
            ]);
    }
}
