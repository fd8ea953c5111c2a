using LogService.Replication.Crypto;
using LogService.Replication.Events;
using LogService.Replication.Wire;

namespace LogService.Replication.Protocol;

/// <summary>
/// Brings a lagging, restarted or wiped replica up to date: it asks every replica for state, installs a checkpoint
/// that f+1 replicas report with the same digest, then executes each following instance whose value f+1 replicas
/// agree on. Agreement of f+1 replicas means at least one correct replica vouches for every byte installed.
/// Lag is noticed when f+1 replicas vote on instances beyond this one's, or sit in a higher regency, without progress here.
/// </summary>
internal sealed class StateTransfer(ReplicaCore core)
{
    /// <summary>Most decided values one reply carries; a replica further behind gets a checkpoint instead.</summary>
    private const int MaxDecidedPerReply = 4096;

    private readonly Dictionary<int, StateReplyMessage> replies = [];
    private long retryAt = long.MaxValue;
    private long nextCheck;
    private long executedAtLastCheck = -1;

    public bool InProgress { get; private set; }

    /// <summary>Highest regency each replica was seen in.</summary>
    public int[] RegencySeen { get; } = new int[core.Config.N];

    public long Deadline => InProgress ? retryAt : nextCheck;

    public void Start(string reason)
    {
        if (InProgress)
        {
            return;
        }

        InProgress = true;
        core.Publish(ReplicationEventKind.StateTransferStarted, core.Execution.LastExecuted, reason);
        Ask();
    }

    public void Tick()
    {
        var now = core.Now;
        if (InProgress)
        {
            if (now >= retryAt)
            {
                core.Publish(ReplicationEventKind.Timeout, core.Execution.LastExecuted, "state transfer incomplete, asking again");
                Ask();
            }

            return;
        }

        if (now < nextCheck)
        {
            return;
        }

        nextCheck = now + Math.Max(1, core.Config.RequestTimeoutMs / 2);
        var lastExecuted = core.Execution.LastExecuted;
        var ahead = WeakHighest(core.Acceptor.HighestSeen);
        var regency = WeakHighest(RegencySeen.Select(r => (long)r));

        // Others are ahead while nothing executed here since the last check. Voting a few instances ahead is what
        // pipelining looks like, so that alone starts a transfer only once this replica has been still for as long
        // as the request timers would wait (longer on a host where instances take long): a replica a few instances
        // behind because it is slower than the others is not stuck, and asking every replica for state would slow
        // everyone down further. Beyond the pipeline depth the leader has executed past this replica, so it is behind.
        var idle = lastExecuted == executedAtLastCheck;
        var patience = RequestTimers.StallPatience(core.Config.RequestTimeoutMs, core.Clients.RecentProgressGap);
        var stalled = idle && (ahead > lastExecuted + core.Config.PipelineDepth || now - core.Clients.LastProgressAt >= patience);
        executedAtLastCheck = lastExecuted;
        if (ahead > lastExecuted + core.Config.Window || (stalled && ahead > lastExecuted))
        {
            Start($"f+1 replicas are at instance {ahead}, this one at {lastExecuted}");
        }
        else if (stalled && (regency > core.Regency || (regency == core.Regency && !core.Synced)))
        {
            Start($"f+1 replicas are in regency {regency}, this one in {core.Regency}{(core.Synced ? "" : " without its SYNC")}");
        }
    }

    public void NoteRegency(int from, int regency)
    {
        if (from != core.Self && regency > RegencySeen[from])
        {
            RegencySeen[from] = regency;
        }
    }

    public void OnRequest(int from, StateRequestMessage m)
    {
        var execution = core.Execution;
        var checkpoints = core.Checkpoints;
        var sendCheckpoint = m.LastExecuted < checkpoints.Instance;
        var after = sendCheckpoint ? checkpoints.Instance : m.LastExecuted;
        var decided = execution.SinceCheckpoint.Where(kv => kv.Key > after).Take(MaxDecidedPerReply).Select(kv => kv.Value).ToArray();
        for (var i = 0; i < decided.Length; i++)
        {
            decided[i] = core.Acceptor.CheckedProof(decided[i]);
            execution.SinceCheckpoint[decided[i].Instance] = decided[i];
        }
        core.Send(from, new StateReplyMessage(
            core.Regency, checkpoints.Instance, sendCheckpoint ? checkpoints.Data : [], decided, core.LeaderChange.LastSyncRaw ?? []));
    }

    public void OnReply(int from, StateReplyMessage m)
    {
        if (!InProgress || from == core.Self)
        {
            return;
        }

        replies[from] = m;
        core.Execution.WaitForExecutions();
        var progressed = InstallCheckpoint();
        while (ExecuteNext())
        {
            progressed = true;
        }

        core.Execution.OnDecided();

        if (m.Sync.Length > 0)
        {
            core.LeaderChange.OnRelayedSync(from, m.Sync);
        }

        // Done once something was installed, or once every correct replica may have answered without anything to give.
        if (progressed || replies.Count >= core.Config.N - core.Config.F - 1)
        {
            InProgress = false;
            retryAt = long.MaxValue;
            core.Publish(ReplicationEventKind.StateTransferCompleted, core.Execution.LastExecuted, $"from {replies.Count} replies");
        }
    }

    private void Ask()
    {
        replies.Clear();
        retryAt = core.Now + core.Config.RequestTimeoutMs;
        var request = new StateRequestMessage(core.Execution.LastExecuted);
        for (var r = 0; r < core.Config.N; r++)
        {
            if (r != core.Self)
            {
                core.Send(r, request);
            }
        }
    }

    private bool InstallCheckpoint()
    {
        var best = replies.Values
            .Where(r => r.Checkpoint.Length > 0 && r.CheckpointInstance > core.Execution.LastExecuted &&
                Checkpoints.InstanceOf(r.Checkpoint) == r.CheckpointInstance)
            .GroupBy(r => Convert.ToHexString(Digest.Of(r.Checkpoint)))
            .Where(g => g.Count() >= core.Config.Weak)
            .Select(g => g.First())
            .OrderByDescending(r => r.CheckpointInstance)
            .FirstOrDefault();
        if (best is null)
        {
            return false;
        }

        try
        {
            core.Checkpoints.Install(best.Checkpoint, restoreStateMachine: true);
        }
        catch (WireFormatException)
        {
            // f+1 replicas agreed on it, so it came from a correct one: a malformed checkpoint means a bug, not an attack.
            return false;
        }

        core.Acceptor.Prune(core.Execution.LastExecuted);
        return true;
    }

    private bool ExecuteNext()
    {
        var next = core.Execution.LastExecuted + 1;
        var candidates = replies.Values.SelectMany(r => r.Decided.Where(d => d.Instance == next)).ToList();
        var chosen = candidates
            .GroupBy(d => Convert.ToHexString(Digest.Of(d.Value)))
            .FirstOrDefault(g => g.Count() >= core.Config.Weak)?.First()
            ?? candidates.FirstOrDefault(HasValidProof);
        if (chosen is null)
        {
            return false;
        }

        core.Acceptor.DecideExternally(next, chosen.Regency, chosen.Value, chosen.Accepts, "state transfer");
        core.Log.Decided(next, chosen.Regency, chosen.Value, chosen.Accepts);

        // A replica killed after its state machine applied an instance but before its log said so already holds it:
        // applying it twice would fail (or double it), so only the bookkeeping advances, as in recovery.
        if (next <= core.StateMachine.LastExecutedInstance)
        {
            core.Execution.Reapply(chosen);
        }
        else
        {
            core.Execution.Execute(chosen, sendReplies: true);
        }

        core.Acceptor.Prune(next - core.Config.Window);
        return true;
    }

    /// <summary>Whether 2f+1 distinct replicas' valid ACCEPT signatures cover this value: then it was decided, whoever relays it.</summary>
    private bool HasValidProof(DecidedValue d)
    {
        var digest = Digest.Of(d.Value);
        return d.Accepts.Select(a => a.Replica).Distinct().Count() == d.Accepts.Length &&
            d.Accepts.Count(a => core.Signer.VerifyStatement(a.Replica, Signer.Statement.Accept, d.Regency, d.Instance, digest, a.Signature)) >= core.Config.Quorum;
    }

    /// <summary>The highest value that at least f+1 of <paramref name="values"/> reach (so at least one correct replica does).</summary>
    private long WeakHighest(IEnumerable<long> values)
    {
        var sorted = values.OrderByDescending(v => v).ToList();
        return sorted.Count >= core.Config.Weak ? sorted[core.Config.Weak - 1] : 0;
    }
}
