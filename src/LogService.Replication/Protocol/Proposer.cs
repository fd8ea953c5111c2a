using System.Buffers;
using System.Buffers.Binary;
using LogService.Replication.Abstractions;
using LogService.Replication.Crypto;
using LogService.Replication.Transport;
using LogService.Replication.Wire;

namespace LogService.Replication.Protocol;

/// <summary>
/// The leader role: cuts batches from pending requests (bounded by count, bytes and delay), chooses each batch's
/// timestamp and nonce, signs the proposal once per batch, and keeps up to <c>PipelineDepth</c> instances in flight.
/// It also holds the rules every replica applies to a proposed value.
/// </summary>
internal sealed class Proposer(ReplicaCore core)
{
    private readonly ArrayBufferWriter<byte> valueWriter = new(1 << 16);
    private readonly List<OrderedCommand> batch = [];
    private readonly List<PendingRequest> picked = [];
    private long nextInstance = 1;
    private long lastTimestamp;

    /// <summary>When a delayed batch becomes due, or never.</summary>
    public long Deadline =>
        core.Config.BatchDelayMs > 0 && core.IsLeader && core.Clients.PendingCount > 0 ? core.Now + core.Config.BatchDelayMs : long.MaxValue;

    /// <summary>Restarts proposing at <paramref name="instance"/> (after a leader change or state transfer).</summary>
    public void ResetTo(long instance) => nextInstance = instance;

    public void TryPropose()
    {
        if (!core.IsLeader || !core.Synced)
        {
            return;
        }

        var lastExecuted = core.Execution.LastExecuted;
        nextInstance = Math.Max(nextInstance, lastExecuted + 1);
        while (nextInstance <= lastExecuted + core.Config.PipelineDepth)
        {
            var existing = core.Acceptor.Instances.GetValueOrDefault(nextInstance);
            if (existing is { Decided: true })
            {
                nextInstance++;
                continue;
            }

            var value = core.LeaderChange.BoundValue(nextInstance) ?? CutBatch();
            if (value is null)
            {
                return;
            }

            Propose(nextInstance, value);
            nextInstance++;
        }
    }

    /// <summary>Checks a proposed value: the value carried forward by a leader change if any, else size, clients and timestamp rules.</summary>
    public bool IsValidValue(long instance, byte[] value, byte[] digest, out string reason)
    {
        if (instance <= core.LeaderChange.SyncedFrom)
        {
            reason = "the instance was decided before this regency";
            return false;
        }

        if (core.LeaderChange.BoundValue(instance) is { } bound)
        {
            reason = "not the value the leader change carried forward";
            return Digest.Equal(Digest.Of(bound), digest);
        }

        BatchValue decoded;
        try
        {
            decoded = BatchValue.Decode(value);
        }
        catch (WireFormatException e)
        {
            reason = e.Message;
            return false;
        }

        reason = "";
        if (decoded.Commands.Length > core.Config.MaxBatchCount)
        {
            reason = $"{decoded.Commands.Length} commands exceed the batch limit";
        }
        else if (decoded.Commands.Any(c => c.ClientId < NodeIds.FirstClientId || c.Payload.Length > core.Config.MaxRequestBytes))
        {
            reason = "a command has an invalid client id or is too large";
        }
        else if (Math.Abs(decoded.Timestamp - core.Now) > core.Config.MaxClockSkewMs)
        {
            reason = $"timestamp {decoded.Timestamp} is more than the skew bound away from {core.Now}";
        }
        else if (PreviousTimestamp(instance) is { } previous && decoded.Timestamp <= previous)
        {
            reason = $"timestamp {decoded.Timestamp} does not follow {previous}";
        }

        return reason.Length == 0;
    }

    /// <summary>The timestamp of the value at <paramref name="instance"/>-1 when this replica knows it.</summary>
    private long? PreviousTimestamp(long instance)
    {
        if (instance - 1 == core.Execution.LastExecuted)
        {
            return core.Execution.LastTimestamp;
        }

        if (core.Acceptor.Instances.GetValueOrDefault(instance - 1) is { } c)
        {
            var value = c.DecidedValue ?? (c.ProposalDigest is { } d ? c.ValueFor(d) : null);
            if (value is { Length: >= 8 })
            {
                return BinaryPrimitives.ReadInt64LittleEndian(value);
            }
        }

        return null;
    }

    private byte[]? CutBatch()
    {
        var regency = core.Regency;
        var bytes = 0;
        batch.Clear();
        picked.Clear();
        foreach (var p in core.Clients.Pending)
        {
            if (p.ProposedInRegency == regency || p.ClientId == core.Faults.CensoredClient)
            {
                continue;
            }

            if (batch.Count > 0 && (batch.Count >= core.Config.MaxBatchCount || bytes + p.Payload.Length > core.Config.MaxBatchBytes))
            {
                break;
            }

            picked.Add(p);
            batch.Add(new OrderedCommand(p.ClientId, p.Sequence, p.Payload));
            bytes += p.Payload.Length;
        }

        if (batch.Count == 0)
        {
            return null;
        }

        var full = batch.Count >= core.Config.MaxBatchCount || bytes >= core.Config.MaxBatchBytes;
        if (!full && core.Config.BatchDelayMs > 0 && core.Now - picked[0].ArrivedAt < core.Config.BatchDelayMs)
        {
            return null;
        }

        foreach (var p in picked)
        {
            p.ProposedInRegency = regency;
        }

        var timestamp = Math.Max(core.Now, Math.Max(lastTimestamp, core.Execution.LastTimestamp) + 1);
        lastTimestamp = timestamp;
        valueWriter.ResetWrittenCount();
        BatchValue.Encode(valueWriter, timestamp, core.Host.NextNonce(), batch);
        return valueWriter.WrittenSpan.ToArray();
    }

    private void Propose(long instance, byte[] value)
    {
        var regency = core.Regency;
        var digest = Digest.Of(value);
        var signature = core.Signer.SignStatement(Signer.Statement.Propose, regency, instance, digest);
        if (!core.Faults.Equivocate)
        {
            core.Broadcast(new ProposeMessage(regency, instance, value, signature) { ValueDigest = digest });
            return;
        }

        // Byzantine test behaviour: the same commands under another nonce, validly signed, to half of the replicas.
        var other = (byte[])value.Clone();
        BinaryPrimitives.WriteInt64LittleEndian(other.AsSpan(8), BinaryPrimitives.ReadInt64LittleEndian(other.AsSpan(8)) ^ 1);
        var otherSignature = core.Signer.SignStatement(Signer.Statement.Propose, regency, instance, Digest.Of(other));
        for (var r = 0; r < core.Config.N; r++)
        {
            if (r != core.Self)
            {
                core.Send(r, r % 2 == 0 ? new ProposeMessage(regency, instance, value, signature) : new ProposeMessage(regency, instance, other, otherSignature));
            }
        }

        core.DeliverToSelf(new ProposeMessage(regency, instance, value, signature) { ValueDigest = digest });
    }
}
