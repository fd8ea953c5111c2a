using System.Globalization;
using LogService.Core.Commands;
using LogService.Core.Entries;
using LogService.Replication.Abstractions;
using LogService.Sealing;
using LogService.Storage;

namespace LogService.Core.Replica;

/// <summary>
/// The Log Core: the deterministic state machine every replica runs. It executes decided batches of
/// <see cref="LogCommand"/>s, sealing entries into their streams' forward-integrity chains and appending each batch
/// to storage in one transaction, then answers every command with a signed <see cref="CommitStatement"/>.
/// </summary>
/// <remarks>
/// Determinism: the only inputs are the decided batch (commands, leader timestamp) and the stream secrets that the
/// key service delivered in the commands themselves, so correct replicas produce byte-identical sealed entries,
/// heads and Merkle state. What differs per replica by nature: the signatures, and the at-rest encryption of the
/// current secrets. A failure to persist leaves the store faulted and is rethrown: a replica must stop, not diverge.
/// </remarks>
public sealed class LogCoreStateMachine : IStateMachine, IDisposable
{
    private const byte SystemLevel = 2;
    private readonly ILogStore _store;
    private readonly ReplicaIdentity _identity;
    private readonly Dictionary<string, StreamState> _streams = new(StringComparer.Ordinal);

    /// <summary>Creates the state machine over a replica's store.</summary>
    public LogCoreStateMachine(ILogStore store, ReplicaIdentity identity)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _identity = identity ?? throw new ArgumentNullException(nameof(identity));
    }

    /// <inheritdoc />
    public long LastExecutedInstance => Math.Max(0, _store.LastAppliedInstance);

    /// <inheritdoc />
    public IReadOnlyList<byte[]> Execute(OrderedBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var context = new BatchContext(batch.Instance, checked(batch.Timestamp * 1000));
        var outcomes = new CommandReply[batch.Commands.Count];
        for (var i = 0; i < outcomes.Length; i++)
        {
            outcomes[i] = ExecuteOne(batch.Commands[i].Payload.Span, context);
        }

        _store.AppendBatch(new DecidedBatchWrite(
            batch.Instance,
            context.Entries,
            context.Touched.Select(s => s.ToHead(_identity.AtRestKey)).ToArray()));

        // Sign only after the batch is durable: a receipt must never vouch for something a crash could lose.
        var replies = new byte[outcomes.Length][];
        for (var i = 0; i < outcomes.Length; i++)
        {
            var reply = outcomes[i];
            replies[i] = (reply.Statement is null ? reply : reply with { Signature = reply.Statement.Sign(_identity.SigningKey) }).Encode();
        }

        return replies;
    }

    /// <inheritdoc />
    /// <remarks>The query is a stream id (UTF-8); the answer is the stream's current statement, unsigned.</remarks>
    public byte[] ExecuteReadOnly(ReadOnlyMemory<byte> query)
    {
        var streamId = System.Text.Encoding.UTF8.GetString(query.Span);
        var stream = FindStream(streamId);
        return stream is null
            ? Rejected($"stream {streamId} does not exist").Encode()
            : new CommandReply(CommandOutcome.Committed, "", StatementOf(stream, stream.Sealer.NextSequence - 1, _store.LastAppliedInstance), _identity.ReplicaId, []).Encode();
    }

    /// <inheritdoc />
    public byte[] TakeSnapshot()
    {
        using var buffer = new MemoryStream();
        _store.ExportSnapshot(SnapshotScope.WholeReplica, buffer);
        return buffer.ToArray();
    }

    /// <inheritdoc />
    public void RestoreSnapshot(long instance, ReadOnlyMemory<byte> snapshot)
    {
        foreach (var stream in _streams.Values)
        {
            stream.Dispose();
        }

        _streams.Clear();
        using var source = new MemoryStream(snapshot.ToArray(), writable: false);
        _store.ImportSnapshot(source);
    }

    /// <summary>Zeroes every live stream secret.</summary>
    public void Dispose()
    {
        foreach (var stream in _streams.Values)
        {
            stream.Dispose();
        }

        _streams.Clear();
    }

    private CommandReply ExecuteOne(ReadOnlySpan<byte> payload, BatchContext context)
    {
        LogCommand command;
        try
        {
            command = LogCommandCodec.Decode(payload);
        }
        catch (EntryEncodingException ex)
        {
            return Rejected(ex.Message);
        }

        return command switch
        {
            CreateStreamCommand create => Create(create, context),
            AppendEntriesCommand append => Append(append, context),
            CloseStreamCommand close => Close(close, context),
            _ => Rejected("unsupported command"),
        };
    }

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
        return Committed(StatementOf(stream, 0, context.Instance));
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

        var batchKey = string.Join('\u001f', command.Writer.Cloud, command.Writer.Node, command.Writer.User, command.BatchId);
        if (stream.TryRecall(batchKey, out var first, out _))
        {
            return new CommandReply(CommandOutcome.Duplicate, "", StatementOf(stream, first, context.Instance), _identity.ReplicaId, []);
        }

        // Decode every draft before sealing any, so a bad entry rejects the batch whole and the chain never advances for it.
        var drafts = new EntryDraft[command.Drafts.Count];
        var bodyOffsets = new int[drafts.Length];
        try
        {
            for (var i = 0; i < drafts.Length; i++)
            {
                drafts[i] = EntryCodec.DecodeDraft(command.Drafts[i], out bodyOffsets[i]);
            }
        }
        catch (EntryEncodingException ex)
        {
            return Rejected(ex.Message);
        }

        if (drafts.Length == 0)
        {
            return Rejected("a batch must hold at least one entry");
        }

        first = stream.Sealer.NextSequence;
        for (var i = 0; i < drafts.Length; i++)
        {
            var draft = drafts[i];
            var metadata = new EntryMetadata(
                context.TimestampMicros,
                (byte)draft.Level,
                stream.Tenant,
                command.Writer.Cloud,
                command.Writer.Node,
                command.Writer.User,
                draft.EventType.ToString("x8", CultureInfo.InvariantCulture),
                command.PermissionMask);
            var body = command.Drafts[i].AsSpan(bodyOffsets[i]);
            var sealedBytes = new byte[stream.Sealer.GetEncodedLength(metadata, body.Length)];
            stream.Sealer.TrySealData(metadata, body, sealedBytes, out _);
            context.Add(stream, metadata, sealedBytes);
        }

        stream.Remember(batchKey, first, stream.Sealer.NextSequence - 1);
        return Committed(StatementOf(stream, first, context.Instance));
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
        return Committed(StatementOf(stream, first, context.Instance));
    }

    private StreamState? FindStream(string streamId)
    {
        if (_streams.TryGetValue(streamId, out var stream))
        {
            return stream;
        }

        var head = _store.GetHead(streamId);
        if (head is null)
        {
            return null;
        }

        stream = StreamState.Load(head, _identity.AtRestKey);
        _streams.Add(streamId, stream);
        return stream;
    }

    private static EntryMetadata SystemMetadata(BatchContext context, string tenant, string eventType) =>
        new(context.TimestampMicros, SystemLevel, tenant, "logservice", "log-core", "system", eventType, PermissionMasks.Everyone);

    private static CommitStatement StatementOf(StreamState stream, long firstSequence, long instance) =>
        new(stream.StreamId, firstSequence, stream.Sealer.NextSequence - 1, stream.Sealer.Head.ToArray(), stream.Merkle.Root(), instance);

    private CommandReply Committed(CommitStatement statement) => new(CommandOutcome.Committed, "", statement, _identity.ReplicaId, []);

    private CommandReply Rejected(string reason) => new(CommandOutcome.Rejected, reason, null, _identity.ReplicaId, []);

    /// <summary>What one batch accumulates before its single storage transaction.</summary>
    private sealed class BatchContext(long instance, long timestampMicros)
    {
        public long Instance { get; } = instance;

        public long TimestampMicros { get; } = timestampMicros;

        public List<EntryRecord> Entries { get; } = [];

        public List<StreamState> Touched { get; } = [];

        private readonly HashSet<StreamState> _touchedSet = [];

        public void Add(StreamState stream, SealedEntry entry)
        {
            var header = entry.Header;
            Add(stream, new EntryMetadata(header.ConsensusTimestamp, header.Level, header.Tenant, header.SourceCloud, header.SourceNode, header.SourceUser, header.EventType, header.PermissionMask), entry.Encoded.ToArray(), (byte)header.Kind);
        }

        public void Add(StreamState stream, in EntryMetadata metadata, byte[] sealedBytes, byte kind = (byte)EntryKind.Data)
        {
            stream.Merkle.Append(sealedBytes);
            Entries.Add(new EntryRecord(
                metadata.Tenant,
                stream.StreamId,
                stream.Sealer.NextSequence - 1,
                metadata.ConsensusTimestamp,
                metadata.Level,
                metadata.SourceCloud,
                metadata.SourceNode,
                metadata.SourceUser,
                metadata.EventType,
                metadata.PermissionMask,
                kind,
                sealedBytes));
            if (_touchedSet.Add(stream))
            {
                Touched.Add(stream);
            }
        }
    }
}
