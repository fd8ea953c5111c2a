using LogService.Core.Commands;
using LogService.Core.Entries;
using LogService.Replication.Abstractions;
using LogService.Sealing;
using LogService.Storage;

namespace LogService.Core.Replica;

/// <summary>
/// The Log Core: the deterministic state machine every replica runs. It executes decided batches of
/// <see cref="LogCommand"/>s, sealing entries into their streams' forward-integrity chains and appending each batch
/// to storage in one transaction, then answers every command with signed <see cref="CommitStatement"/>s.
/// </summary>
/// <remarks>
/// Determinism: the only inputs are the decided batch (commands, leader timestamp), the replica key set and the
/// stream secrets that the key service delivered in the commands themselves, so correct replicas produce
/// byte-identical sealed entries, heads, Merkle state, certificates and snapshots. What differs per replica by
/// nature: the signatures, and the at-rest encryption of the current secrets. A failure to persist leaves the store
/// faulted and is rethrown: a replica must stop, not diverge. Commands are handled in the partial files by topic.
/// </remarks>
public sealed partial class LogCoreStateMachine : IStateMachine, IDisposable
{
    private const byte SystemLevel = 2;
    private readonly ILogStore _store;
    private readonly ReplicaIdentity _identity;
    private readonly ReplicaKeySet _keys;
    private readonly Dictionary<string, StreamState> _streams = new(StringComparer.Ordinal);
    private readonly RecentInstances _captureOnly = new(65_536);

    /// <summary>Creates the state machine over a replica's store.</summary>
    /// <param name="store">The replica's store.</param>
    /// <param name="identity">The replica's own keys; its id indexes <paramref name="keys"/>.</param>
    /// <param name="keys">Every replica's public keys: certificates are verified and snapshot secrets wrapped against them.</param>
    public LogCoreStateMachine(ILogStore store, ReplicaIdentity identity, ReplicaKeySet keys)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _identity = identity ?? throw new ArgumentNullException(nameof(identity));
        _keys = keys ?? throw new ArgumentNullException(nameof(keys));
        if (identity.ReplicaId >= keys.Count)
        {
            throw new ArgumentException($"replica {identity.ReplicaId} is not in a key set of {keys.Count}", nameof(identity));
        }

        // A state transfer stopped by a crash leaves fetched entries beyond their heads; executing the batches that
        // produce them again must not find them there.
        DiscardFetchedParts();
    }

    /// <inheritdoc />
    public long LastExecutedInstance => Math.Max(0, _store.LastAppliedInstance);

    /// <inheritdoc />
    public IReadOnlyList<byte[]> Execute(OrderedBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (_partsWritten)
        {
            DiscardFetchedParts();
        }

        var context = new BatchContext(batch.Instance, checked(batch.Timestamp * 1000));
        var outcomes = new CommandReply[batch.Commands.Count];
        for (var i = 0; i < outcomes.Length; i++)
        {
            context.CommandIndex = i;
            outcomes[i] = ExecuteOne(batch.Commands[i].Payload, context);
        }

        _store.AppendBatch(new DecidedBatchWrite(
            batch.Instance,
            context.Entries,
            context.Touched.Select(s => s.ToHead(_identity.AtRestKey)).ToArray()));

        if (outcomes.Length > 0 && context.CaptureOnly)
        {
            _captureOnly.Add(batch.Instance);
        }

        // Sign only after the batch is durable: a receipt must never vouch for something a crash could lose.
        var replies = new byte[outcomes.Length][];
        for (var i = 0; i < outcomes.Length; i++)
        {
            var reply = outcomes[i];
            replies[i] = (reply.Statements.Count == 0 ? reply : reply with { Signatures = reply.Statements.Select(Sign).ToArray() }).Encode();
        }

        return replies;
    }

    /// <inheritdoc />
    /// <remarks>Queries are built with <see cref="LogQueries"/>; see there for the answers.</remarks>
    public byte[] ExecuteReadOnly(ReadOnlyMemory<byte> query)
    {
        var (kind, streamId) = LogQueries.Decode(query.Span);
        return kind switch
        {
            LogQueries.Kind.Head => SignedHead(streamId).Encode(),
            LogQueries.Kind.CertifiedHead => LatestCertificate(streamId)?.Encode() ?? [],
            _ => Rejected("unknown query").Encode(),
        };
    }

    /// <summary>
    /// Whether a recently executed instance ordered nothing but appends to <see cref="Capture.ProtocolCapture.StreamId"/>:
    /// the capture folds such instances into a counter instead of summarizing them. Safe to call from any thread.
    /// </summary>
    public bool IsCaptureOnly(long instance) => _captureOnly.Contains(instance);

    /// <summary>Zeroes every live stream secret.</summary>
    public void Dispose() => ForgetStreams();

    private CommandReply ExecuteOne(ReadOnlyMemory<byte> payload, BatchContext context)
    {
        LogCommand command;
        try
        {
            command = LogCommandCodec.Decode(payload);
        }
        catch (EntryEncodingException ex)
        {
            context.CaptureOnly = false;
            return Rejected(ex.Message);
        }

        if (command is not AppendEntriesCommand { StreamId: Capture.ProtocolCapture.StreamId })
        {
            context.CaptureOnly = false;
        }

        return command switch
        {
            CreateStreamCommand create => Create(create, context),
            AppendEntriesCommand append => Append(append, context),
            CloseStreamCommand close => Close(close, context),
            CertifyHeadsCommand certify => CertifyHeads(certify, context),
            RecordCertificateCommand record => RecordCertificate(record, context),
            _ => Rejected("unsupported command"),
        };
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

    private void ForgetStreams()
    {
        foreach (var stream in _streams.Values)
        {
            stream.Dispose();
        }

        _streams.Clear();
    }

    private byte[] Sign(CommitStatement statement)
    {
        // Execution and read-only head queries sign on different threads; the key object is not documented as thread-safe.
        lock (_identity.SigningKey)
        {
            return statement.Sign(_identity.SigningKey);
        }
    }

    private static EntryMetadata SystemMetadata(BatchContext context, string tenant, string eventType) =>
        new(context.TimestampMicros, SystemLevel, tenant, "logservice", "log-core", "system", eventType, PermissionMasks.Everyone);

    /// <summary>The stream's state now, naming the instance that last appended to it.</summary>
    private static CommitStatement StatementOf(StreamState stream, long firstSequence) =>
        new(stream.StreamId, firstSequence, stream.Sealer.NextSequence - 1, stream.Sealer.Head.ToArray(), stream.Merkle.Root(), stream.LastChangedInstance);

    private CommandReply Committed(CommitStatement statement) => new(CommandOutcome.Committed, "", statement, _identity.ReplicaId, []);

    private CommandReply Rejected(string reason) => new(CommandOutcome.Rejected, reason, [], _identity.ReplicaId, []);
}
