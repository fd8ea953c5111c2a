using System.Buffers;
using LogService.Replication.Crypto;
using LogService.Replication.Events;
using LogService.Replication.Wire;

namespace LogService.Replication.Protocol;

/// <summary>
/// Every C instances: snapshots the state machine together with the replay-protection table into one checkpoint
/// (whose SHA-256 is the state digest), stores it, and compacts the WAL down to what follows it.
/// Checkpoint format: [instance i64][last timestamp i64][client table][snapshot: length-prefixed bytes].
/// </summary>
internal sealed class Checkpoints(ReplicaCore core)
{
    private readonly ArrayBufferWriter<byte> writer = new(1 << 12);

    public long Instance { get; private set; }

    public byte[] Data { get; private set; } = [];

    /// <summary>Whether a checkpoint is taken once <paramref name="instance"/> has executed.</summary>
    public bool IsDue(long instance) => instance % core.Config.CheckpointPeriod == 0;

    /// <summary>Takes the checkpoint when one is due, with the state machine's snapshot if it was already taken where executions run.</summary>
    public void AfterExecute(long instance, Snapshot? snapshot = null)
    {
        if (IsDue(instance))
        {
            Take(instance, snapshot ?? Snapshot.Take(core.StateMachine));
        }
    }

    private void Take(long instance, Snapshot snapshot)
    {
        writer.ResetWrittenCount();
        writer.WriteInt64(instance);
        writer.WriteInt64(core.Execution.LastTimestamp);
        core.Clients.Serialize(writer);
        writer.WriteSized(snapshot.Data);
        Store(instance, writer.WrittenSpan.ToArray(), $"snapshot taken in {snapshot.Milliseconds:F1} ms");
    }

    /// <summary>Installs a checkpoint received by state transfer (or found at start) into the state machine and the engine.</summary>
    public void Install(byte[] data, bool restoreStateMachine)
    {
        core.Execution.WaitForExecutions();
        var snapshot = SnapshotOf(data);
        var r = new SpanReader(data);
        var instance = r.ReadInt64(0, long.MaxValue);
        var timestamp = r.ReadInt64();
        core.Clients.Deserialize(ref r);
        if (restoreStateMachine)
        {
            core.StateMachine.RestoreSnapshot(instance, snapshot);
        }

        core.Execution.LastExecuted = instance;
        core.Execution.LastTimestamp = timestamp;
        Store(instance, data, "installed");
    }

    /// <summary>The state machine's snapshot inside a checkpoint.</summary>
    /// <exception cref="WireFormatException">The checkpoint is malformed.</exception>
    public static ReadOnlyMemory<byte> SnapshotOf(byte[] data)
    {
        var r = new SpanReader(data);
        r.ReadInt64(0, long.MaxValue);
        r.ReadInt64();
        ClientTable.Skip(ref r);
        var snapshotLength = r.ReadInt32(0, r.Remaining);
        var offset = r.Position;
        r.ReadSpan(snapshotLength);
        r.ExpectEnd();
        return new ReadOnlyMemory<byte>(data, offset, snapshotLength);
    }

    /// <summary>Reads the instance a checkpoint was taken at, or -1 when it is malformed.</summary>
    public static long InstanceOf(byte[] data)
    {
        try
        {
            var r = new SpanReader(data);
            return r.ReadInt64(0, long.MaxValue);
        }
        catch (WireFormatException)
        {
            return -1;
        }
    }

    /// <summary>Makes <paramref name="data"/> the current checkpoint and rewrites the WAL to what still matters after it.</summary>
    private void Store(long instance, byte[] data, string how)
    {
        Instance = instance;
        Data = data;
        var log = core.Log;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        log.Store.WriteCheckpoint(data);
        foreach (var i in core.Execution.SinceCheckpoint.Keys.Where(i => i <= instance).ToList())
        {
            core.Execution.SinceCheckpoint.Remove(i);
        }

        var records = new List<byte[]> { log.EncodeRegency(core.Regency) };
        if (core.LeaderChange.LastSyncRaw is { } sync)
        {
            records.Add(log.EncodeSync(sync));
        }

        foreach (var d in core.Execution.SinceCheckpoint.Values)
        {
            records.Add(log.EncodeDecided(d.Instance, d.Regency, d.Value, d.Accepts));
        }

        foreach (var c in core.Acceptor.Instances.Values.Where(c => c.Instance > core.Execution.LastExecuted).OrderBy(c => c.Instance))
        {
            foreach (var w in c.WriteSet)
            {
                if (c.ValueFor(w.Digest) is { } v)
                {
                    records.Add(log.EncodeWrote(c.Instance, w.Regency, v));
                }
            }

            if (c.ValueRegency >= 0)
            {
                records.Add(log.EncodeAccepted(c.Instance, c.ValueRegency, c.ValueDigest));
            }

            if (c.Decided)
            {
                records.Add(log.EncodeDecided(c.Instance, c.DecidedRegency, c.DecidedValue!, c.DecisionAccepts));
            }
        }

        log.Store.Rewrite(records);
        var stored = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        core.Publish(ReplicationEventKind.Checkpoint, instance, $"{data.Length} bytes, {how}, stored with the log rewritten in {stored.TotalMilliseconds:F1} ms", digest: Digest.Of(data));
    }

    /// <summary>A state machine's snapshot and how long it took.</summary>
    internal sealed record Snapshot(byte[] Data, double Milliseconds)
    {
        public static Snapshot Take(Abstractions.IStateMachine stateMachine)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var data = stateMachine.TakeSnapshot();
            return new Snapshot(data, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }
}
