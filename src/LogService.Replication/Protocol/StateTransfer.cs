using LogService.Replication.Abstractions;
using LogService.Replication.Crypto;
using LogService.Replication.Events;
using LogService.Replication.Wire;

namespace LogService.Replication.Protocol;

/// <summary>
/// Brings a lagging, restarted or wiped replica up to date: it asks every replica for state, installs a checkpoint
/// that f+1 replicas report with the same digest, then executes each following instance whose value f+1 replicas
/// agree on. Agreement of f+1 replicas means at least one correct replica vouches for every byte installed.
/// Lag is noticed when f+1 replicas vote on instances beyond this one's, or sit in a higher regency, without progress here.
/// A checkpoint may summarize a state machine's state rather than hold it (<see cref="IStateMachine.MissingParts"/>):
/// then the parts this replica lacks are fetched one at a time before the checkpoint is installed, the content from
/// one replica and only the digest from the others, and a part is written once f+1 replicas report its digest.
/// </summary>
internal sealed class StateTransfer(ReplicaCore core)
{
    /// <summary>Most decided values one reply carries; a replica further behind gets a checkpoint instead.</summary>
    private const int MaxDecidedPerReply = 4096;

    /// <summary>Most bytes of decided values one reply carries (at least one value): within a message with a batch of the largest size to spare.</summary>
    private int MaxDecidedBytesPerReply => 2 * core.Config.MaxBatchBytes;

    private readonly Dictionary<int, StateReplyMessage> replies = [];
    private long retryAt = long.MaxValue;
    private long nextCheck;
    private long executedAtLastCheck = -1;
    private PartFetch? fetch;

    public bool InProgress { get; private set; }

    /// <summary>Whether the parts of a checkpoint's state are being fetched; executions wait until it is installed or given up.</summary>
    public bool FetchingParts => fetch is not null;

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
            if (now >= retryAt && fetch is not null)
            {
                core.Publish(ReplicationEventKind.Timeout, core.Execution.LastExecuted, $"no f+1 replies for a part of checkpoint {fetch.Instance}, asking again");
                RequestPart(nextDataReplica: true);
            }
            else if (now >= retryAt)
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
        // Bounded in bytes too, so the reply fits in one message whatever the batches weigh; the rest follows on the next ask.
        var chosen = new List<DecidedValue>();
        long bytes = 0;
        foreach (var (_, value) in execution.SinceCheckpoint.Where(kv => kv.Key > after).Take(MaxDecidedPerReply))
        {
            bytes += value.Value.Length;
            if (bytes > MaxDecidedBytesPerReply && chosen.Count > 0)
            {
                break;
            }

            chosen.Add(value);
        }

        var decided = chosen.ToArray();
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
        if (fetch is not null)
        {
            // The checkpoint's parts are still coming; its decided successors are kept for when it is installed.
            return;
        }

        core.Execution.WaitForExecutions();
        var progressed = InstallCheckpoint();
        if (fetch is null)
        {
            Advance(progressed, from, m.Sync);
        }
    }

    /// <summary>Answers a request for one part of this replica's state, read where executions run so the protocol does not wait.</summary>
    public void OnPartRequest(int from, StatePartRequestMessage m)
    {
        void Reply(byte[]? content) => core.Send(from, new StatePartReplyMessage(
            m.CheckpointInstance, m.Part, content is not null, content is null ? [] : Digest.Of(content), m.WantData && content is not null ? content : []));

        if (core.Host.ExecutesInBackground)
        {
            core.Host.ExecuteInOrder(
                () => core.StateMachine.ReadPart(m.Part) is { } content ? [content] : [],
                result => core.OnInput(() => Reply(result.Count > 0 ? result[0] : null)));
        }
        else
        {
            Reply(core.StateMachine.ReadPart(m.Part));
        }
    }

    public void OnPartReply(int from, StatePartReplyMessage m)
    {
        if (fetch is not { Current: { } current } || from == core.Self || m.CheckpointInstance != fetch.Instance || !m.Part.AsSpan().SequenceEqual(current))
        {
            return;
        }

        fetch.Digests[from] = m.Held ? Convert.ToHexString(m.Digest) : null;
        if (from == fetch.DataFrom && m.Held && m.Data.Length > 0)
        {
            fetch.Receive(m.Data);
        }

        var vouched = fetch.Digests.Values.Where(d => d is not null).GroupBy(d => d).FirstOrDefault(g => g.Count() >= core.Config.Weak)?.Key;
        if (vouched is null && fetch.Digests.Values.Count(d => d is null) > core.Config.N - 1 - core.Config.Weak)
        {
            // Too few replicas hold the part to vouch for it (they are behind, or retention has cut it since): give
            // this checkpoint up; the next transfer starts from a later one.
            GiveUpFetch("too few replicas hold the next one");
            return;
        }

        if (vouched is null)
        {
            if (fetch.Digests.TryGetValue(fetch.DataFrom, out var held) && held is null)
            {
                // The replica asked for the content lacks the part: ask one that has it.
                RequestPart(nextDataReplica: true);
            }

            return;
        }

        if (fetch.Data is null || fetch.DataDigest != vouched)
        {
            var answered = fetch.Digests.TryGetValue(fetch.DataFrom, out var claim);
            if (fetch.Data is not null || (answered && claim is not null && claim != vouched))
            {
                core.Misbehaviour(fetch.DataFrom, MisbehaviourKind.InvalidStateContent,
                    $"sent a part of checkpoint {fetch.Instance} whose content f+1 replicas' digests contradict");
            }

            if (fetch.Data is not null || answered)
            {
                // Whoever was asked for the content failed to give the vouched one: ask one that vouched for it.
                fetch.Receive(null);
                fetch.DataFrom = fetch.Digests.First(kv => kv.Value == vouched).Key;
                RequestPart(nextDataReplica: false, dataOnly: true);
            }

            return;
        }

        WriteFetchedPart(current, fetch.Data);
    }

    private void WriteFetchedPart(byte[] current, byte[] data)
    {
        var f = fetch!;
        byte[]? rest;
        try
        {
            rest = core.StateMachine.WritePart(current, data);
        }
        catch (InvalidDataException invalid)
        {
            // f+1 replicas vouched for it, so a correct one produced it: the parts of two versions disagree, not an
            // attack. The next transfer asks the state machine afresh what it lacks.
            GiveUpFetch($"a part was not written: {invalid.Message}");
            return;
        }

        f.PartsWritten++;
        f.BytesWritten += data.Length;
        if (rest is not null)
        {
            f.Current = rest;
        }
        else if (!f.Remaining.TryDequeue(out var next))
        {
            CompleteFetch();
            return;
        }
        else
        {
            f.Current = next;
        }

        RequestPart(nextDataReplica: true);
    }

    private void GiveUpFetch(string why)
    {
        core.Publish(ReplicationEventKind.StateTransferCompleted, core.Execution.LastExecuted,
            $"checkpoint {fetch!.Instance} given up after {fetch.PartsWritten} parts: {why}");
        fetch = null;
        InProgress = false;
        retryAt = long.MaxValue;
        core.Execution.OnDecided();
    }

    private void CompleteFetch()
    {
        var f = fetch!;
        fetch = null;
        core.Checkpoints.Install(f.Checkpoint, restoreStateMachine: true);
        core.Acceptor.Prune(core.Execution.LastExecuted);
        core.Publish(ReplicationEventKind.StateTransferCompleted, core.Execution.LastExecuted,
            $"checkpoint {f.Instance} installed with {f.PartsWritten} parts ({f.BytesWritten} bytes) fetched");
        Advance(progressed: true, -1, []);
    }

    /// <summary>Executes what the replies allow after the checkpoint, then ends the transfer when it got somewhere.</summary>
    private void Advance(bool progressed, int from, byte[] sync)
    {
        while (ExecuteNext())
        {
            progressed = true;
        }

        core.Execution.OnDecided();

        if (sync.Length > 0)
        {
            core.LeaderChange.OnRelayedSync(from, sync);
        }

        if (progressed && WeakHighest(core.Acceptor.HighestSeen) > core.Execution.LastExecuted + core.Config.PipelineDepth)
        {
            // Replies are bounded in size: while f+1 replicas are still well ahead, ask for the next stretch at once.
            Ask();
            return;
        }

        // Done once something was installed, or once every correct replica may have answered without anything to give.
        if (progressed || replies.Count >= core.Config.N - core.Config.F - 1)
        {
            InProgress = false;
            retryAt = long.MaxValue;
            core.Publish(ReplicationEventKind.StateTransferCompleted, core.Execution.LastExecuted, $"from {replies.Count} replies");
        }
    }

    /// <summary>Asks for the current part: its content from one replica, its digest from every other.</summary>
    private void RequestPart(bool nextDataReplica, bool dataOnly = false)
    {
        var f = fetch!;
        if (nextDataReplica)
        {
            f.Receive(null);
            f.Digests.Clear();
            do
            {
                f.DataFrom = (f.DataFrom + 1) % core.Config.N;
            }
            while (f.DataFrom == core.Self);
        }

        retryAt = core.Now + core.Config.RequestTimeoutMs;
        for (var r = 0; r < core.Config.N; r++)
        {
            if (r != core.Self && (!dataOnly || r == f.DataFrom))
            {
                core.Send(r, new StatePartRequestMessage(f.Instance, f.Current!, WantData: r == f.DataFrom));
            }
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
            var restore = core.StateMachine.LastExecutedInstance < best.CheckpointInstance;
            if (restore && core.StateMachine.MissingParts(best.CheckpointInstance, Checkpoints.SnapshotOf(best.Checkpoint)) is { Count: > 0 } parts)
            {
                fetch = new PartFetch(best.Checkpoint, best.CheckpointInstance, new Queue<byte[]>(parts.Skip(1)))
                {
                    Current = parts[0],
                    DataFrom = core.Self,
                };
                core.Publish(ReplicationEventKind.StateTransferStarted, core.Execution.LastExecuted,
                    $"checkpoint {best.CheckpointInstance} needs {parts.Count} parts of state fetched first");
                RequestPart(nextDataReplica: true);
                return false;
            }

            core.Checkpoints.Install(best.Checkpoint, restore);
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

    /// <summary>A checkpoint f+1 replicas vouched for, waiting for the parts of state it names.</summary>
    private sealed class PartFetch(byte[] checkpoint, long instance, Queue<byte[]> remaining)
    {
        public byte[] Checkpoint { get; } = checkpoint;

        public long Instance { get; } = instance;

        public Queue<byte[]> Remaining { get; } = remaining;

        public byte[]? Current { get; set; }

        /// <summary>The replica asked for the current part's content.</summary>
        public int DataFrom { get; set; }

        /// <summary>The current part's content from <see cref="DataFrom"/>, once received, and its digest (hex).</summary>
        public byte[]? Data { get; private set; }

        public string? DataDigest { get; private set; }

        public void Receive(byte[]? data)
        {
            Data = data;
            DataDigest = data is null ? null : Convert.ToHexString(Digest.Of(data));
        }

        /// <summary>Each replier's digest of the current part (hex), or null when it lacks the part.</summary>
        public Dictionary<int, string?> Digests { get; } = [];

        public int PartsWritten { get; set; }

        public long BytesWritten { get; set; }
    }
}
