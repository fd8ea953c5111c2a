using System.Buffers.Binary;
using LogService.Replication.Crypto;
using LogService.Replication.Events;
using LogService.Replication.Transport;
using LogService.Replication.Wire;

namespace LogService.Replication.Protocol;

/// <summary>
/// The acceptor role: validates the leader's signed PROPOSE, sends WRITE; on 2f+1 matching WRITEs sends a signed
/// ACCEPT; on 2f+1 matching ACCEPTs decides. Detects equivocation from the leader signatures carried in WRITEs.
/// Votes count on the strength of the transport's per-link authentication; ACCEPT signatures are checked only when a
/// decision proof leaves this replica (<see cref="CheckedProof(ConsensusInstance)"/>).
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

        var digest = m.ValueDigest;

        // The leader's own proposal reaches it through the self queue, signed a moment ago: verifying it again would
        // cost the busiest replica one ECDSA verification per instance.
        if (from != core.Self && !core.Signer.VerifyStatement(from, Signer.Statement.Propose, m.Regency, m.Instance, digest, m.Signature))
        {
            core.Misbehaviour(
                from, MisbehaviourKind.InvalidSignature, $"PROPOSE i={m.Instance} r={m.Regency}",
                [Signer.StatementBytes(Signer.Statement.Propose, m.Regency, m.Instance, digest), m.Signature]);
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
            // The statement is validly signed, so with the value it proves offline what the leader proposed.
            core.Misbehaviour(
                from, MisbehaviourKind.InvalidProposal, $"PROPOSE i={m.Instance} r={m.Regency}: {reason}",
                [Signer.StatementBytes(Signer.Statement.Propose, m.Regency, m.Instance, digest), m.Signature, m.Value]);
            return;
        }

        c.ProposalDigest = digest;
        c.ProposalSignature = m.Signature;
        c.ProposalTime = VoteTime();
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
        c.WriteTimes[from] = VoteTime();
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
        c.AcceptTimes[from] = VoteTime();
        TryDecide(c);
    }

    /// <summary>
    /// Marks an instance decided with a value learned outside the vote (state transfer, recovery); <paramref name="source"/>
    /// says which in the <see cref="ReplicationEventKind.Decided"/> event.
    /// </summary>
    public void DecideExternally(long instance, int regency, byte[] value, SignedAccept[] accepts, string source)
    {
        var c = GetOrCreate(instance);
        if (!c.Decided)
        {
            var digest = Digest.Of(value);
            c.RememberValue(digest, value);
            c.MarkDecided(regency, digest, value, accepts, byVotes: false);
            PublishDecided(c, [], source);
        }
    }

    /// <summary>
    /// The decision proof of <paramref name="c"/> with only valid signatures, checked on first use. A proof is checked
    /// only before it is sent, since the decision itself rests on link-authenticated votes.
    /// </summary>
    public SignedAccept[] CheckedProof(ConsensusInstance c)
    {
        if (!c.ProofChecked)
        {
            // ACCEPTs that arrived after the decision can stand in for invalid ones, as long as they are of its regency.
            var accepts = c.DecidedByVotes && c.VoteRegency == c.DecidedRegency ? c.CollectAccepts(c.DecidedDigest!) : c.DecisionAccepts;
            c.SetCheckedProof(CheckProof(c.Instance, c.DecidedRegency, c.DecidedDigest!, accepts, c.DecidedByVotes));
        }

        return c.DecisionAccepts;
    }

    /// <summary><paramref name="d"/> with only valid signatures in its proof, checked on first use (see <see cref="CheckedProof(ConsensusInstance)"/>).</summary>
    public DecidedValue CheckedProof(DecidedValue d)
    {
        if (d.ProofChecked)
        {
            return d;
        }

        var accepts = instances.TryGetValue(d.Instance, out var c) && c.Decided && c.DecidedRegency == d.Regency
            ? CheckedProof(c)
            : CheckProof(d.Instance, d.Regency, Digest.Of(d.Value), d.Accepts, fromSigners: false);
        return d with { Accepts = accepts, ProofChecked = true };
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
        if (core.Faults.BadAcceptSignatures)
        {
            signature[0] ^= 0xFF;
        }

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
            if (d is null || c.Count(c.Accepts, d) < core.Config.Quorum)
            {
                continue;
            }

            // The value may still be missing (its PROPOSE was lost); state transfer fills such gaps.
            if (c.ValueFor(d) is not { } value)
            {
                return;
            }

            var accepts = c.CollectAccepts(d);
            c.MarkDecided(c.VoteRegency, d, value, accepts, byVotes: true);
            if (c.ProposalDigest is { } proposed && Digest.Equal(proposed, d))
            {
                // The PROPOSE's value is in the log already, in its WROTE record.
                core.Log.DecidedProposal(c.Instance, c.VoteRegency, d, accepts);
            }
            else
            {
                core.Log.Decided(c.Instance, c.VoteRegency, value, accepts);
            }

            if (core.Events.HasSubscribers)
            {
                PublishDecided(c, c.VotesFor(d, core.Config.LeaderOf(c.VoteRegency)), "votes");
            }

            core.Execution.OnDecided();
            return;
        }
    }

    /// <summary>
    /// Keeps the signatures of <paramref name="accepts"/> that are valid for (regency, instance, digest), one per replica.
    /// An invalid one is reported only when <paramref name="fromSigners"/> says each came over its signer's own link;
    /// a relayed proof may name replicas that never sent it.
    /// </summary>
    private SignedAccept[] CheckProof(long instance, int regency, byte[] digest, SignedAccept[] accepts, bool fromSigners)
    {
        var valid = new List<SignedAccept>(accepts.Length);
        foreach (var a in accepts)
        {
            if (valid.Exists(v => v.Replica == a.Replica))
            {
                continue;
            }

            if (a.Replica >= 0 && a.Replica < core.Config.N &&
                core.Signer.VerifyStatement(a.Replica, Signer.Statement.Accept, regency, instance, digest, a.Signature))
            {
                valid.Add(a);
            }
            else if (fromSigners)
            {
                core.Misbehaviour(
                    a.Replica, MisbehaviourKind.InvalidSignature, $"ACCEPT i={instance} r={regency}",
                    [Signer.StatementBytes(Signer.Statement.Accept, regency, instance, digest), a.Signature]);
            }
        }

        return [.. valid];
    }

    private void PublishDecided(ConsensusInstance c, InstanceVote[] votes, string source)
    {
        if (!core.Events.HasSubscribers)
        {
            return;
        }

        var value = c.DecidedValue!;
        core.Events.Publish(new ReplicationEvent
        {
            Kind = ReplicationEventKind.Decided, Time = core.Now, Node = core.Self, Instance = c.Instance, Regency = c.DecidedRegency,
            From = core.Config.LeaderOf(c.DecidedRegency), Digest = c.DecidedDigest, Votes = votes, Detail = source,
            Count = value.Length >= BatchValue.HeaderSize ? BinaryPrimitives.ReadInt32LittleEndian(value.AsSpan(16)) : 0,
        });
    }

    /// <summary>Arrival time of a vote, read only when someone will see the decision summary.</summary>
    private long VoteTime() => core.Events.HasSubscribers ? core.Now : 0;

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
