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
    private readonly Dictionary<int, HashSet<int>> stops = [];
    private readonly SortedDictionary<int, StopDataMessage> collected = [];
    private readonly ArrayBufferWriter<byte> writer = new(1024);
    private Dictionary<long, byte[]> bound = [];
    private int stopSentFor;
    private long timeout = core.Config.LeaderChangeTimeoutMs;

    public long Deadline { get; private set; } = long.MaxValue;

    /// <summary>The SYNC that installed the current regency, as logged.</summary>
    public byte[]? LastSyncRaw { get; private set; }

    /// <summary>The value a leader change obliges instance <paramref name="instance"/> to take, if any.</summary>
    public byte[]? BoundValue(long instance) => bound.GetValueOrDefault(instance);

    public void Suspect(string reason)
    {
        var target = Math.Max(core.Regency, stopSentFor) + 1;
        if (target > stopSentFor)
        {
            core.Publish(ReplicationEventKind.Suspicion, detail: $"leader {core.Leader}: {reason}");
            SendStop(target);
        }
    }

    public void Tick()
    {
        if (core.Now >= Deadline)
        {
            Deadline = long.MaxValue;
            core.Publish(ReplicationEventKind.Timeout, detail: $"leader change to regency {core.Regency} did not finish");
            timeout = Math.Min(timeout * 2, core.Config.LeaderChangeTimeoutMs * 64);
            SendStop(core.Regency + 1);
        }
    }

    public void OnStop(int from, StopMessage m)
    {
        if (m.Regency <= core.Regency)
        {
            return;
        }

        if (!stops.TryGetValue(m.Regency, out var set))
        {
            stops[m.Regency] = set = [];
        }

        set.Add(from);
        if (set.Count >= core.Config.Weak)
        {
            SendStop(m.Regency);
        }

        if (set.Count >= core.Config.Quorum)
        {
            Install(m.Regency);
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

        if (!Apply(m, out var outcome))
        {
            core.Misbehaviour(from, MisbehaviourKind.InvalidProposal, $"invalid SYNC for regency {m.Regency}");
            return;
        }

        writer.ResetWrittenCount();
        MessageCodec.Encode(writer, m);
        LastSyncRaw = writer.WrittenSpan.ToArray();
        core.Log.Sync(LastSyncRaw);
        Deadline = long.MaxValue;
        timeout = core.Config.LeaderChangeTimeoutMs;
        core.Clients.RestartAll(core.Now);
        core.Proposer.ResetTo(outcome.LastDecided + 1);
        core.Publish(ReplicationEventKind.LeaderChanged, outcome.LastDecided, $"regency {m.Regency} synchronized, leader {core.Leader}", outcome.Bound.Count);
        if (outcome.LastDecided > core.Execution.LastExecuted)
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

    /// <summary>Moves to a regency that f+1 replicas showed during state transfer, without its SYNC.</summary>
    public void Adopt(int regency)
    {
        if (regency <= core.Regency)
        {
            return;
        }

        core.Regency = regency;
        core.Synced = true;
        bound = [];
        LastSyncRaw = null;
        Deadline = long.MaxValue;
        core.Log.Regency(regency);
        core.Clients.RestartAll(core.Now);
        core.Publish(ReplicationEventKind.LeaderChanged, detail: $"regency {regency} adopted from state transfer, leader {core.Leader}");
    }

    private void SendStop(int regency)
    {
        if (regency > stopSentFor)
        {
            stopSentFor = regency;
            core.Broadcast(new StopMessage(regency));
        }
    }

    private void Install(int regency)
    {
        core.Regency = regency;
        core.Synced = false;
        core.Log.Regency(regency);
        bound = [];
        collected.Clear();
        foreach (var r in stops.Keys.Where(r => r <= regency).ToList())
        {
            stops.Remove(r);
        }

        Deadline = core.Now + timeout;
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
        return true;
    }

    private StopDataMessage BuildStopData(int regency)
    {
        var acceptor = core.Acceptor;
        DecisionProof? proof = null;
        foreach (var c in acceptor.Instances.Values.Where(c => c.Decided && c.DecisionAccepts.Length >= core.Config.Quorum).OrderByDescending(c => c.Instance))
        {
            proof = new DecisionProof(c.Instance, c.DecidedRegency, c.DecidedDigest!, c.DecisionAccepts);
            break;
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
