using LogService.Replication.Abstractions;
using LogService.Replication.Events;
using LogService.Replication.Wire;

namespace LogService.Replication.Protocol;

/// <summary>
/// Executes decided instances strictly in order, applies per-client replay protection, and replies to clients only
/// after the state machine has persisted the batch. Keeps the values decided since the last checkpoint for state transfer.
/// </summary>
/// <remarks>
/// Where the host runs executions in the background, a decided instance is handed over as soon as it directly follows
/// the last one handed over, and the protocol goes on ordering the next instances while it executes (the proposer
/// still keeps at most <c>PipelineDepth</c> instances beyond the last executed one). Everything that depends only on
/// the order (replay protection, the timestamp clamp) is settled at hand-over, on the protocol thread; replies,
/// <see cref="LastExecuted"/> and checkpoints follow when the state machine returns. A checkpoint instance holds the
/// hand-over back until its snapshot is taken, so the snapshot and the replay-protection table describe the same
/// instance. Anything that executes or installs state outside this path first waits for the executions in flight.
/// </remarks>
internal sealed class ExecutionManager(ReplicaCore core)
{
    private readonly List<OrderedCommand> commands = [];
    private readonly Dictionary<int, long> batchSequences = [];
    private long handedOver;
    private int inFlight;
    private long heldForCheckpoint;

    public long LastExecuted { get; set; }

    public long LastTimestamp { get; set; }

    /// <summary>The highest instance this replica has executed or handed over for execution.</summary>
    public long LastOrdered => Math.Max(LastExecuted, handedOver);

    /// <summary>Values executed after the last checkpoint, with their decision proofs when known, by instance.</summary>
    public SortedDictionary<long, DecidedValue> SinceCheckpoint { get; } = [];

    /// <summary>Executes (or hands over for execution) every decided instance that directly follows the last one.</summary>
    public void OnDecided()
    {
        // The state machine is being rebuilt under a checkpoint: executing now would write where the parts go.
        if (core.StateTransfer.FetchingParts)
        {
            return;
        }

        if (!core.Host.ExecutesInBackground)
        {
            var executed = false;
            while (core.Acceptor.Instances.TryGetValue(LastExecuted + 1, out var c) && c.Decided)
            {
                Execute(new DecidedValue(c.Instance, c.DecidedValue!, c.DecidedRegency, c.DecisionAccepts), sendReplies: true);
                executed = true;
            }

            if (executed)
            {
                core.Acceptor.Prune(LastExecuted - core.Config.Window);
            }

            return;
        }

        while (heldForCheckpoint == 0 && core.Acceptor.Instances.TryGetValue(LastOrdered + 1, out var c) && c.Decided)
        {
            HandOver(new DecidedValue(c.Instance, c.DecidedValue!, c.DecidedRegency, c.DecisionAccepts));
        }
    }

    /// <summary>Waits for every execution in flight, so that what follows sees the state machine at <see cref="LastOrdered"/>.</summary>
    public void WaitForExecutions()
    {
        if (inFlight > 0)
        {
            core.Host.WaitForExecutions();
        }
    }

    /// <summary>Executes one instance's value; <paramref name="sendReplies"/> is false while replaying the WAL at start.</summary>
    public void Execute(DecidedValue decided, bool sendReplies)
    {
        WaitForExecutions();
        var instance = decided.Instance;
        var batch = Filter(instance, decided.Value, out var timestamp, out var nonce);
        core.Clients.NoteOrdered(batch, core.Now);
        var replies = core.StateMachine.Execute(new OrderedBatch(instance, timestamp, nonce, batch));
        Complete(decided, batch, timestamp, replies, sendReplies);
    }

    private void HandOver(DecidedValue decided)
    {
        var instance = decided.Instance;
        var batch = Filter(instance, decided.Value, out var timestamp, out var nonce);
        core.Clients.NoteOrdered(batch, core.Now);
        foreach (var c in batch)
        {
            // Settled now so the next instances' replay protection sees it; the reply is filled in on completion.
            core.Clients.MarkExecuted(c.ClientId, c.Sequence, null);
        }

        LastTimestamp = Math.Max(LastTimestamp, timestamp);
        handedOver = instance;
        if (core.Checkpoints.IsDue(instance))
        {
            heldForCheckpoint = instance;
        }
        inFlight++;
        var ordered = new OrderedBatch(instance, timestamp, nonce, batch);
        var takeSnapshot = heldForCheckpoint == instance;
        Checkpoints.Snapshot? snapshot = null;
        core.Host.ExecuteInOrder(
            () =>
            {
                var replies = core.StateMachine.Execute(ordered);
                if (takeSnapshot)
                {
                    // Here rather than on the protocol thread, which goes on ordering while the hand-over is held.
                    snapshot = Checkpoints.Snapshot.Take(core.StateMachine);
                }

                return replies;
            },
            replies => core.OnInput(() =>
            {
                inFlight--;
                Complete(decided, batch, timestamp, replies, sendReplies: true, snapshot);
                if (heldForCheckpoint == instance)
                {
                    heldForCheckpoint = 0;
                }

                core.Acceptor.Prune(LastExecuted - core.Config.Window);
                OnDecided();
            }));
    }

    private void Complete(DecidedValue decided, OrderedCommand[] batch, long timestamp, IReadOnlyList<byte[]> replies, bool sendReplies, Checkpoints.Snapshot? snapshot = null)
    {
        if (replies.Count != batch.Length)
        {
            throw new InvalidOperationException($"the state machine returned {replies.Count} replies for {batch.Length} commands");
        }

        for (var i = 0; i < batch.Length; i++)
        {
            var c = batch[i];
            core.Clients.MarkExecuted(c.ClientId, c.Sequence, replies[i]);
            if (sendReplies)
            {
                var reply = core.Faults.WrongReplies ? [.. replies[i], 0xFF] : replies[i];
                core.Send(c.ClientId, new ReplyMessage(c.Sequence, false, core.Regency, reply));
            }
        }

        Advance(decided, timestamp);
        core.Clients.NoteExecuted(core.Now);
        core.Publish(ReplicationEventKind.Executed, decided.Instance, count: batch.Length);
        core.Checkpoints.AfterExecute(decided.Instance, snapshot);
    }

    /// <summary>
    /// Applies an instance the state machine already executed before a restart: only the replay-protection table
    /// advances (the replies were sent before the crash, or the clients retransmit).
    /// </summary>
    public void Reapply(DecidedValue decided)
    {
        WaitForExecutions();
        var batch = Filter(decided.Instance, decided.Value, out var timestamp, out _);
        foreach (var c in batch)
        {
            core.Clients.MarkExecuted(c.ClientId, c.Sequence, null);
        }

        Advance(decided, timestamp);
    }

    private void Advance(DecidedValue decided, long timestamp)
    {
        LastExecuted = decided.Instance;
        LastTimestamp = Math.Max(LastTimestamp, timestamp);
        SinceCheckpoint[decided.Instance] = decided;
    }

    /// <summary>The commands of a decided value that pass replay protection (a (client, sequence) runs at most once).</summary>
    private OrderedCommand[] Filter(long instance, byte[] value, out long timestamp, out long nonce)
    {
        BatchValue decoded;
        try
        {
            decoded = BatchValue.Decode(value);
        }
        catch (WireFormatException)
        {
            // Correct replicas validated the value before voting, so this cannot happen unless f is exceeded;
            // every replica treats it the same way, as an empty batch, to stay deterministic.
            timestamp = LastTimestamp + 1;
            nonce = instance;
            return [];
        }

        // A leader change may decide an earlier instance after a later one, with a later timestamp; clamping keeps
        // the timestamps the state machine sees strictly increasing, identically on every replica.
        timestamp = Math.Max(decoded.Timestamp, LastTimestamp + 1);
        nonce = decoded.Nonce;
        commands.Clear();
        batchSequences.Clear();
        foreach (var c in decoded.Commands)
        {
            var last = batchSequences.TryGetValue(c.ClientId, out var s) ? s : core.Clients.LastExecuted(c.ClientId);
            if (c.Sequence > last)
            {
                batchSequences[c.ClientId] = c.Sequence;
                commands.Add(c);
            }
        }

        return [.. commands];
    }
}
