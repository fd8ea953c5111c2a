using System.Buffers;
using LogService.Replication.Crypto;
using LogService.Replication.Events;
using LogService.Replication.Wire;

namespace LogService.Replication.Protocol;

/// <summary>
/// Mod-SMaRt's synchronization phase. STOP(r): a replica suspects the leader (f+1 STOPs make others join, 2f+1 install
/// regency r). STOPDATA: each replica sends the new leader its signed consensus state. SYNC: the leader forwards
/// n-f STOPDATAs, from which every replica computes the same carried-forward values (<see cref="BindingRule"/>)
/// before accepting the new leader's proposals. A leader change that does not finish in time starts the next one,
/// with a doubled timeout.
/// </summary>
internal sealed class LeaderChange(ReplicaCore core)
{
    /// <summary>The highest regency each replica asked for; STOP(r) also gives up every regency below r.</summary>
    private readonly int[] stopHighest = new int[core.Config.N];
    private readonly SortedDictionary<int, StopDataMessage> collected = [];
    private readonly ArrayBufferWriter<byte> writer = new(1024);
    private Dictionary<long, byte[]> bound = [];
    private int stopSentFor;
    private long syncDeadline = long.MaxValue;
    private long timeout = core.Config.LeaderChangeTimeoutMs;

    private long stopRetryAt = long.MaxValue;

    public long Deadline => Math.Min(syncDeadline, stopSentFor > core.Regency ? stopRetryAt : long.MaxValue);

    /// <summary>The SYNC that installed the current regency, as logged.</summary>
    public byte[]? LastSyncRaw { get; private set; }

    /// <summary>
    /// The last instance the current regency's SYNC proved decided. The new leader resumes after it: a proposal at or
    /// below it could only contradict a decision some replicas have not executed yet.
    /// </summary>
    public long SyncedFrom { get; private set; }

    /// <summary>The value a leader change obliges instance <paramref name="instance"/> to take, if any.</summary>
    public byte[]? BoundValue(long instance) => bound.GetValueOrDefault(instance);

    public void Suspect(string reason)
    {
        // One suspicion per regency; if that leader change stalls, its own timer moves on to the next regency.
        var target = core.Regency + 1;
        if (target > stopSentFor)
        {
            core.Publish(ReplicationEventKind.Suspicion, detail: $"leader {core.Leader}: {reason}");
            SendStop(target);
        }
    }

    public void Tick()
    {
        // STOPs may be lost: repeat ours until the regency we asked for is installed.
        if (stopSentFor > core.Regency && core.Now >= stopRetryAt)
        {
            stopRetryAt = core.Now + core.Config.RequestTimeoutMs;
            core.Broadcast(new StopMessage(stopSentFor));
        }

        if (core.Now >= syncDeadline)
        {
            syncDeadline = long.MaxValue;
            core.Publish(ReplicationEventKind.Timeout, detail: $"leader change to regency {core.Regency} did not finish");
            timeout = Math.Min(timeout * 2, core.Config.LeaderChangeTimeoutMs * 64);
            SendStop(core.Regency + 1);
        }
    }

    public void OnStop(int from, StopMessage m)
    {
        if (m.Regency <= stopHighest[from])
        {
            return;
        }

        stopHighest[from] = m.Regency;
        var sorted = stopHighest.OrderByDescending(r => r).ToArray();

        // f+1 replicas (so at least one correct) gave up everything below `join`: join them.
        var join = sorted[core.Config.Weak - 1];
        if (join > core.Regency)
        {
            SendStop(join);
        }

        var install = sorted[core.Config.Quorum - 1];
        if (install > core.Regency)
        {
            Install(install);
        }
    }

    public void OnStopData(int from, StopDataMessage m)
    {
        if (m.Regency != core.Regency || core.Synced || !core.IsLeader || m.Replica != from || !IsValid(m))
        {
            return;
        }

        collected[from] = m;
        if (collected.Count < core.Config.N - core.Config.F)
        {
            return;
        }

        var outcome = BindingRule.Evaluate([.. collected.Values], core.Config.N, core.Config.F);
        if (outcome.Sound)
        {
            core.Broadcast(new SyncMessage(core.Regency, [.. collected.Values.Select(s => s.Raw)]));
        }
    }

    public void OnSync(int from, SyncMessage m)
    {
        if (m.Regency < core.Regency || (m.Regency == core.Regency && core.Synced) || from != core.Config.LeaderOf(m.Regency))
        {
            return;
        }

        Synchronize(from, m);
    }

    private void Synchronize(int from, SyncMessage m)
    {
        if (!Apply(m, out var outcome))
        {
            // Each STOPDATA inside is signed by its replica, so the collection shows what the leader built its SYNC from.
            core.Misbehaviour(from, MisbehaviourKind.InvalidProposal, $"invalid SYNC for regency {m.Regency}", m.StopData);
            return;
        }

        writer.ResetWrittenCount();
        MessageCodec.Encode(writer, m);
        LastSyncRaw = writer.WrittenSpan.ToArray();
        core.Log.Sync(LastSyncRaw);
        syncDeadline = long.MaxValue;
        timeout = core.Config.LeaderChangeTimeoutMs;
        core.Clients.RestartAll(core.Now);
        core.Proposer.ResetTo(outcome.LastDecided + 1);
        core.Publish(ReplicationEventKind.LeaderChanged, outcome.LastDecided, $"regency {m.Regency} synchronized, leader {core.Leader}", outcome.Bound.Count);
        if (outcome.LastDecided > core.Execution.LastOrdered)
        {
            core.StateTransfer.Start("a decided instance is missing after the leader change");
        }
    }

    /// <summary>Re-applies the logged SYNC after a restart.</summary>
    public void Restore(byte[] raw)
    {
        try
        {
            if (MessageCodec.Decode(raw) is SyncMessage m && m.Regency == core.Regency && Apply(m, out _))
            {
                LastSyncRaw = raw;
            }
        }
        catch (WireFormatException)
        {
            // A damaged record only costs the carried-forward values; the next leader change re-establishes them.
        }
    }

    /// <summary>A replica restarted in the middle of a leader change gives it the usual time before moving on.</summary>
    public void ResumeAfterRestart()
    {
        stopSentFor = core.Regency;
        if (!core.Synced)
        {
            syncDeadline = core.Now + timeout;
        }
    }

    /// <summary>
    /// Applies a SYNC relayed by state transfer, for a replica that missed its regency's leader change. The SYNC proves
    /// itself (n-f signed STOPDATAs), so it need not come from the leader.
    /// </summary>
    public void OnRelayedSync(int from, byte[] raw)
    {
        try
        {
            if (MessageCodec.Decode(raw) is SyncMessage m && (m.Regency > core.Regency || (m.Regency == core.Regency && !core.Synced)))
            {
                Synchronize(from, m);
            }
        }
        catch (WireFormatException e)
        {
            core.Misbehaviour(from, MisbehaviourKind.MalformedMessage, $"relayed SYNC: {e.Message}");
        }
    }

    private void SendStop(int regency)
    {
        if (regency > stopSentFor)
        {
            stopSentFor = regency;
            stopRetryAt = core.Now + core.Config.RequestTimeoutMs;
            core.Broadcast(new StopMessage(regency));
        }
    }

    private void Install(int regency)
    {
        core.Regency = regency;
        core.Synced = false;
        core.Log.Regency(regency);
        bound = [];
        SyncedFrom = 0;
        collected.Clear();

        syncDeadline = core.Now + timeout;
        core.Publish(ReplicationEventKind.LeaderChanged, detail: $"regency {regency} installed, leader {core.Leader}");
        var report = BuildStopData(regency);
        if (core.IsLeader)
        {
            core.DeliverToSelf(report);
        }
        else
        {
            core.Send(core.Leader, report);
        }
    }

    private bool Apply(SyncMessage m, out BindingRule.Outcome outcome)
    {
        outcome = new BindingRule.Outcome(0, [], false);
        var reports = new List<StopDataMessage>();
        foreach (var raw in m.StopData)
        {
            if (MessageCodec.Decode(raw) is not StopDataMessage s || s.Regency != m.Regency ||
                reports.Any(r => r.Replica == s.Replica) || !IsValid(s))
            {
                return false;
            }

            reports.Add(s);
        }

        if (reports.Count < core.Config.N - core.Config.F)
        {
            return false;
        }

        outcome = BindingRule.Evaluate(reports, core.Config.N, core.Config.F);
        if (!outcome.Sound)
        {
            return false;
        }

        core.Regency = m.Regency;
        core.Synced = true;
        bound = outcome.Bound;
        SyncedFrom = outcome.LastDecided;
        return true;
    }

    private StopDataMessage BuildStopData(int regency)
    {
        var acceptor = core.Acceptor;
        DecisionProof? proof = null;
        // Only an instance of the decided prefix (executed or handed over for execution) may be reported as decided:
        // the new leader resumes after it, so every instance before it must be decided too (with pipelining, a later
        // instance can be decided before an earlier one).
        var ordered = core.Execution.LastOrdered;
        foreach (var c in acceptor.Instances.Values
            .Where(c => c.Instance <= ordered && c.Decided)
            .OrderByDescending(c => c.Instance))
        {
            if (acceptor.CheckedProof(c) is { } accepts && accepts.Length >= core.Config.Quorum)
            {
                proof = new DecisionProof(c.Instance, c.DecidedRegency, c.DecidedDigest!, accepts);
                break;
            }
        }

        var states = acceptor.Instances.Values
            .Where(c => c.Instance > (proof?.Instance ?? 0) && (c.ValueRegency >= 0 || c.WriteSet.Count > 0))
            .OrderBy(c => c.Instance)
            .Select(c => c.ToState())
            .ToArray();
        var unsigned = new StopDataMessage(regency, core.Self, core.Execution.LastExecuted, proof, states, []);
        writer.ResetWrittenCount();
        MessageCodec.EncodeStopDataBody(writer, unsigned);
        var signature = core.Signer.Sign(writer.WrittenSpan);
        writer.WriteRaw(signature);
        return unsigned with { Signature = signature, Raw = writer.WrittenSpan.ToArray() };
    }

    /// <summary>Checks a STOPDATA's signature, its decision proof and that each reported value matches its digest.</summary>
    private bool IsValid(StopDataMessage s)
    {
        if (s.Replica >= core.Config.N || s.Raw.Length < Signer.SignatureSize ||
            !core.Signer.Verify(s.Replica, s.Raw.AsSpan(0, s.Raw.Length - Signer.SignatureSize), s.Signature))
        {
            return false;
        }

        if (s.LastDecided is { } p)
        {
            var valid = p.Accepts.Select(a => a.Replica).Distinct().Count() == p.Accepts.Length &&
                p.Accepts.Count(a => core.Signer.VerifyStatement(a.Replica, Signer.Statement.Accept, p.Regency, p.Instance, p.Digest, a.Signature)) >= core.Config.Quorum;
            if (!valid)
            {
                return false;
            }
        }

        return s.States.All(st => st.ValueRegency < 0 || Digest.Equal(Digest.Of(st.Value), st.ValueDigest));
    }
}
