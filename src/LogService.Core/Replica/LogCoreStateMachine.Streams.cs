using LogService.Core.Commands;
using LogService.Core.Entries;
using LogService.Sealing;

namespace LogService.Core.Replica;

/// <summary>Stream life cycle and writes: create, append, close.</summary>
public sealed partial class LogCoreStateMachine
{
    private CommandReply Create(CreateStreamCommand command, BatchContext context)
    {
        if (!StreamIds.IsValidName(command.Tenant) || !StreamIds.IsValidName(command.Name))
        {
            return Rejected("tenant and stream names are 1-64 characters of a-z, 0-9, '.', '_' and '-'");
        }

        var streamId = command.StreamId;
        if (FindStream(streamId) is not null)
        {
            return Rejected($"stream {streamId} already exists");
        }

        if (_identity.ReplicaId >= command.SecretEnvelopes.Count)
        {
            throw new ReplicaStateException($"stream {streamId}: the key service sent no secret for replica {_identity.ReplicaId}");
        }

        Span<byte> secret = stackalloc byte[StreamGenesis.SecretSize];
        if (!StreamSecretEnvelope.TryOpen(command.SecretEnvelopes[_identity.ReplicaId], _identity.KeyAgreementKey, streamId, _identity.ReplicaId, secret))
        {
            // Every other replica can seal this stream and this one cannot: continuing would diverge.
            throw new ReplicaStateException($"stream {streamId}: this replica's secret envelope does not open with its key-agreement key");
        }

        var stream = StreamState.Create(streamId, command.Tenant, secret, command.Retention);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
        _streams.Add(streamId, stream);
        var open = stream.Sealer.SealOpen(SystemMetadata(context, command.Tenant, "stream.open"));
        context.Add(stream, open);
        return Committed(StatementOf(stream, 0));
    }

    private CommandReply Append(AppendEntriesCommand command, BatchContext context)
    {
        var stream = FindStream(command.StreamId);
        if (stream is null)
        {
            return Rejected($"stream {command.StreamId} does not exist");
        }

        if (!string.Equals(command.Writer.Tenant, stream.Tenant, StringComparison.Ordinal))
        {
            // The front end authorizes by policy; this is the state machine's own guard that tenants never cross.
            return Rejected($"tenant {command.Writer.Tenant} may not write to stream {command.StreamId}");
        }

        if (stream.Sealer.IsClosed)
        {
            return Rejected($"stream {command.StreamId} is closed");
        }

        var reserved = SystemStreams.IsReserved(stream.StreamId);
        if (reserved && command.Writer.Cloud != SystemStreams.ServiceCloud)
        {
            return Rejected($"stream {command.StreamId} is written only by the service itself");
        }

        var batchKey = string.Join('\u001f', command.Writer.Cloud, command.Writer.Node, command.Writer.User, command.BatchId);
        if (stream.TryRecall(batchKey, out var first, out _))
        {
            return new CommandReply(CommandOutcome.Duplicate, "", StatementOf(stream, first), _identity.ReplicaId, []);
        }

        DraftBatch drafts;
        try
        {
            drafts = DraftBatch.Check(command.Drafts);
        }
        catch (EntryEncodingException ex)
        {
            return Rejected(ex.Message);
        }

        if (drafts.Count == 0)
        {
            return Rejected("a batch must hold at least one entry");
        }

        if (!reserved && command.Quota is { } limits && ChargeQuota(stream, limits, command.Drafts, context) is { } overQuota)
        {
            return overQuota;
        }

        first = stream.Sealer.NextSequence;
        var sealedEntries = drafts.Seal(stream.Sealer, context.TimestampMicros, stream.Tenant, command.Writer, command.PermissionMask, out var metadataOf);
        context.AddRange(stream, metadataOf, sealedEntries);

        stream.Remember(batchKey, first, stream.Sealer.NextSequence - 1);
        return Committed(StatementOf(stream, first));
    }

    private CommandReply Close(CloseStreamCommand command, BatchContext context)
    {
        var stream = FindStream(command.StreamId);
        if (stream is null)
        {
            return Rejected($"stream {command.StreamId} does not exist");
        }

        if (stream.Sealer.IsClosed)
        {
            return Rejected($"stream {command.StreamId} is already closed");
        }

        var first = stream.Sealer.NextSequence;
        context.Add(stream, stream.Sealer.SealClose(SystemMetadata(context, stream.Tenant, "stream.close")));
        return Committed(StatementOf(stream, first));
    }
}
