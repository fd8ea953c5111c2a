using LogService.Core.Commands;
using LogService.Sealing;
using LogService.Storage;

namespace LogService.Core.Replica;

/// <summary>
/// Certified heads (DESIGN §8): signing heads on demand, recording assembled certificates, serving both, and
/// noticing when this replica's store is behind or unlike a certified head (a rolled-back or altered disk).
/// </summary>
public sealed partial class LogCoreStateMachine
{
    /// <summary>
    /// This replica's signed statement of a stream's current head (GET .../head): what was last durably stored, with
    /// <see cref="CommitStatement.FirstSequence"/> = last + 1 (a head statement appends nothing) and the instance that
    /// last appended. Safe to call from any thread; a rejected reply when the stream does not exist.
    /// </summary>
    public CommandReply SignedHead(string streamId)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        var head = _store.GetHead(streamId);
        if (head is null)
        {
            return Rejected($"stream {streamId} does not exist");
        }

        var statement = StreamState.StatementOf(head);
        return new CommandReply(CommandOutcome.Committed, "", statement, _identity.ReplicaId, Sign(statement));
    }

    /// <summary>The latest certified head stored for a stream (GET .../certified-head), or null. Safe to call from any thread.</summary>
    public HeadCertificate? LatestCertificate(string streamId)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        return _store.GetLatestCertifiedHead(streamId) is { } stored ? HeadCertificate.FromStored(stored) : null;
    }

    /// <summary>
    /// Compares this replica's stored stream with a certified head obtained anywhere (another replica, a client, the
    /// store itself). A host runs it at start-up against the certified heads the other replicas serve: a replica whose
    /// disk was rolled back finds itself <see cref="HeadConsistency.Behind"/> and must recover by state transfer.
    /// Reads only the store, so it is safe from any thread and before the engine starts.
    /// </summary>
    public HeadCheck CheckAgainst(HeadCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var statement = certificate.Statement;
        if (certificate.Check(_keys) is { } invalid)
        {
            return new HeadCheck(statement.StreamId, HeadConsistency.InvalidCertificate, invalid);
        }

        var head = _store.GetHead(statement.StreamId);
        if (head is null || head.LastSequence < statement.LastSequence)
        {
            return new HeadCheck(statement.StreamId, HeadConsistency.Behind,
                $"stored head is at {head?.LastSequence.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "nothing"}, certified head at {statement.LastSequence}");
        }

        return CompareWithStored(statement, head);
    }

    /// <summary>Checks every stored stream against its own latest stored certified head.</summary>
    public IReadOnlyList<HeadCheck> CheckStoredCertificates() =>
        _store.GetHeads()
            .Select(head => LatestCertificate(head.StreamId))
            .Where(certificate => certificate is not null)
            .Select(certificate => CheckAgainst(certificate!))
            .ToArray();

    private CommandReply CertifyHeads(CertifyHeadsCommand command, BatchContext context)
    {
        var streams = new List<StreamState>();
        if (command.StreamIds.Count > 0)
        {
            foreach (var streamId in command.StreamIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                if (FindStream(streamId) is not { } stream)
                {
                    return Rejected($"stream {streamId} does not exist");
                }

                streams.Add(stream);
            }
        }
        else
        {
            // "Changed since the last certification" is read from replicated state (stored certificates), so a
            // restarted replica answers exactly as the others do.
            var ids = _store.GetHeads().Select(h => h.StreamId).Concat(context.Touched.Select(s => s.StreamId));
            foreach (var streamId in ids.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                var stream = FindStream(streamId)!;
                var certified = _store.GetLatestCertifiedHead(streamId);
                if (certified is null || certified.Sequence < stream.Sealer.NextSequence - 1)
                {
                    streams.Add(stream);
                }
            }
        }

        var statements = streams.Select(s => StatementOf(s, s.Sealer.NextSequence)).ToArray();
        return new CommandReply(CommandOutcome.Committed, "", statements, _identity.ReplicaId, []);
    }

    private CommandReply RecordCertificate(RecordCertificateCommand command, BatchContext context)
    {
        var certificate = command.Certificate;
        var statement = certificate.Statement;
        if (certificate.Check(_keys) is { } invalid)
        {
            return Rejected(invalid);
        }

        var stream = FindStream(statement.StreamId);
        var last = stream is null ? -1 : stream.Sealer.NextSequence - 1;
        if (stream is null || last < statement.LastSequence)
        {
            // 2f+1 replicas, so at least one correct one, executed this head; a correct replica cannot lack it.
            throw new ReplicaStateException($"stream {statement.StreamId}: this replica is at sequence {last} but a valid certificate covers {statement.LastSequence}; its store was rolled back");
        }

        var check = last == statement.LastSequence
            ? CompareWithHead(statement, stream)
            : CompareWithStored(statement, _store.GetHead(statement.StreamId), context);
        if (check.Consistency != HeadConsistency.Consistent)
        {
            throw new ReplicaStateException($"stream {statement.StreamId}: {check.Detail}");
        }

        if (_store.GetLatestCertifiedHead(statement.StreamId) is { } stored && stored.Sequence >= statement.LastSequence)
        {
            return new CommandReply(CommandOutcome.Duplicate, "", StatementOf(stream, stream.Sealer.NextSequence), _identity.ReplicaId, []);
        }

        // Written at once rather than with the batch: replaying the batch after a crash records the same row again.
        _store.RecordCertifiedHead(certificate.ToStored());
        return Committed(StatementOf(stream, stream.Sealer.NextSequence));
    }

    private static HeadCheck CompareWithHead(CommitStatement statement, StreamState stream) =>
        stream.Sealer.Head.SequenceEqual(statement.YHead) && stream.Merkle.Root().AsSpan().SequenceEqual(statement.MerkleRoot)
            ? new HeadCheck(statement.StreamId, HeadConsistency.Consistent, $"head {statement.LastSequence} matches")
            : new HeadCheck(statement.StreamId, HeadConsistency.Diverged, $"head {statement.LastSequence} differs from the certified Y or Merkle root");

    /// <summary>Compares the certified Y with the stored entry at its sequence (or, at the stored head, Y and root).</summary>
    private HeadCheck CompareWithStored(CommitStatement statement, StreamHead? head, BatchContext? context = null)
    {
        if (head is not null && head.LastSequence == statement.LastSequence)
        {
            var root = StreamState.StatementOf(head).MerkleRoot;
            return head.YHead.AsSpan().SequenceEqual(statement.YHead) && root.AsSpan().SequenceEqual(statement.MerkleRoot)
                ? new HeadCheck(statement.StreamId, HeadConsistency.Consistent, $"head {statement.LastSequence} matches")
                : new HeadCheck(statement.StreamId, HeadConsistency.Diverged, $"head {statement.LastSequence} differs from the certified Y or Merkle root");
        }

        var sealedBytes = _store.ReadRange(statement.StreamId, statement.LastSequence, statement.LastSequence).Entries.FirstOrDefault()?.SealedEntry
            ?? context?.Entries.FirstOrDefault(e => e.StreamId == statement.StreamId && e.Sequence == statement.LastSequence)?.SealedEntry;
        if (sealedBytes is null)
        {
            // Retention removed it; its tombstone's evidence, not the entry, vouches for that part of the chain.
            return new HeadCheck(statement.StreamId, HeadConsistency.Consistent, $"entry {statement.LastSequence} was removed by retention");
        }

        return SealedEntry.Decode(sealedBytes).Link.Span.SequenceEqual(statement.YHead)
            ? new HeadCheck(statement.StreamId, HeadConsistency.Consistent, $"entry {statement.LastSequence} has the certified Y")
            : new HeadCheck(statement.StreamId, HeadConsistency.Diverged, $"entry {statement.LastSequence} has a Y other than the certified one");
    }
}
