using LogService.Replication.Crypto;
using LogService.Replication.Wire;

namespace LogService.Replication.Protocol;

/// <summary>
/// Rebuilds a replica's engine state at start: the checkpoint, then the WAL (regency, logged SYNC, written and
/// accepted values, decisions). Instances the state machine already executed only advance replay protection;
/// later decided ones are executed. If the WAL cannot explain the state machine's position, state transfer repairs it.
/// </summary>
internal sealed class Recovery(ReplicaCore core) : IReplayVisitor
{
    private readonly SortedDictionary<long, (int Regency, byte[] Value, SignedAccept[] Accepts)> decided = [];
    private int regency;
    private byte[]? sync;

    public void Run()
    {
        var checkpoint = core.Log.Store.ReadCheckpoint();
        core.Log.Replay(this);
        var stateMachineAt = core.StateMachine.LastExecutedInstance;
        var consistent = true;
        if (checkpoint is not null)
        {
            try
            {
                // A state machine behind its own checkpoint (its storage was restored from an older copy) can be rebuilt
                // from the checkpoint alone only when the snapshot holds all of its state; otherwise the other replicas
                // supply what is missing by state transfer.
                var checkpointAt = Checkpoints.InstanceOf(checkpoint);
                var restore = stateMachineAt < checkpointAt;
                if (!restore || core.StateMachine.MissingParts(checkpointAt, Checkpoints.SnapshotOf(checkpoint)).Count == 0)
                {
                    core.Checkpoints.Install(checkpoint, restore);
                }
                else
                {
                    consistent = false;
                }
            }
            catch (WireFormatException)
            {
                consistent = false;
            }
        }

        core.Regency = regency;
        core.Synced = regency == 0;
        if (sync is not null)
        {
            core.LeaderChange.Restore(sync);
        }

        core.LeaderChange.ResumeAfterRestart();

        var execution = core.Execution;
        foreach (var (instance, d) in decided)
        {
            if (instance <= execution.LastExecuted)
            {
                continue;
            }

            if (instance == execution.LastExecuted + 1)
            {
                if (instance <= stateMachineAt)
                {
                    execution.Reapply(new DecidedValue(instance, d.Value, d.Regency, d.Accepts));
                }
                else
                {
                    execution.Execute(new DecidedValue(instance, d.Value, d.Regency, d.Accepts), sendReplies: false);
                }
            }

            core.Acceptor.DecideExternally(instance, d.Regency, d.Value, d.Accepts, "recovery");
        }

        execution.OnDecided();

        // A leader restarting within its regency must not propose other values for instances it already proposed.
        var proposed = core.Acceptor.Instances.Values
            .Where(c => c.WriteSet.Any(w => w.Regency == core.Regency))
            .Select(c => c.Instance)
            .DefaultIfEmpty(0)
            .Max();
        core.Proposer.ResetTo(Math.Max(execution.LastExecuted, proposed) + 1);
        // A (re)started replica always asks the others, so it rejoins without waiting to notice that it lags.
        core.StateTransfer.Start(!consistent || execution.LastExecuted < stateMachineAt
            ? $"local log ends at {execution.LastExecuted} but the state machine is at {stateMachineAt}"
            : "started");
    }

    public void OnRegency(int r) => regency = Math.Max(regency, r);

    public void OnWrote(long instance, int r, byte[] value)
    {
        var c = core.Acceptor.GetOrCreate(instance);
        var digest = Digest.Of(value);
        c.RememberValue(digest, value);
        c.RecordWrite(r, digest);
    }

    public void OnAccepted(long instance, int r, byte[] digest) => core.Acceptor.GetOrCreate(instance).RecordAccepted(r, digest);

    public void OnDecided(long instance, int r, byte[] value, SignedAccept[] accepts) => decided[instance] = (r, value, accepts);

    public void OnSync(byte[] raw)
    {
        sync = raw;
        if (MessageCodec.Decode(raw) is SyncMessage m)
        {
            regency = Math.Max(regency, m.Regency);
        }
    }
}
