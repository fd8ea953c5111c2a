using System.Data.Common;
using LogService.Storage.Snapshots;

namespace LogService.Storage.Sql;

/// <summary>Snapshot export and import for state transfer.</summary>
internal abstract partial class SqlLogStore
{
    private const int ImportChunkEntries = 1000;

    public void ExportSnapshot(SnapshotScope scope, Stream destination, Func<StreamHead, StreamHead>? exportHead = null)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(destination);
        Read(connection =>
        {
            // One read transaction: the snapshot is a single consistent state even while batches keep arriving.
            using var transaction = BeginReadTransaction(connection);
            using var writer = new SnapshotWriter(destination);
            writer.Scope(scope);
            if (scope.StreamId is null)
            {
                WriteReplicaState(connection, transaction, writer, exportHead ?? (head => head), latestCertifiedOnly: scope.IsSummary);
            }

            using (var tombstones = SqlCommands.Create(connection,
                $"SELECT {SqlCommands.TombstoneColumns} FROM tombstones" +
                (scope.StreamId is null ? "" : " WHERE stream = @stream AND last_seq >= @from_seq AND first_seq <= @to_seq") + " ORDER BY stream, first_seq",
                transaction))
            {
                AddRange(tombstones, scope);
                ForEach(tombstones, reader => writer.Tombstone(SqlCommands.ReadTombstone(reader)));
            }

            if (!scope.IsSummary)
            {
                var last = WriteEntries(connection, transaction, writer, scope);
                if (scope.StreamId is not null && last >= scope.FromSequence)
                {
                    WriteRangeCertifiedHeads(connection, transaction, writer, scope, last);
                }
            }

            writer.Finish();
            transaction.Commit();
            return true;
        });
    }

    public ImportedSnapshot ImportSnapshot(Stream source, Func<StreamHead, StreamHead>? importHead = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        (long? Instance, ImportedSnapshot Imported) result = default;
        try
        {
            Write(transaction =>
            {
                using var reader = new SnapshotReader(source);
                if (reader.NextTag() != SnapshotTag.Scope)
                {
                    throw new InvalidDataException("The snapshot is invalid: it does not begin with its scope.");
                }

                var scope = reader.Scope();
                if (scope.StreamId is null)
                {
                    // A summary keeps the entries (they came, or were already here, separately); a whole replica replaces them.
                    string[] tables = scope.IsSummary ? ["stream_heads", "tombstones"] : ["entries", "stream_heads", "certified_heads", "tombstones"];
                    foreach (var table in tables)
                    {
                        using var clear = SqlCommands.Create(Writer, $"DELETE FROM {table}", transaction);
                        clear.ExecuteNonQuery();
                    }

                    EntriesDeleted(transaction);
                }

                result = ImportRecords(reader, scope, transaction, importHead ?? (head => head));
                _lastStored.Clear();
            });
        }
        catch (InvalidDataException invalid)
        {
            throw new LogStoreException(StoreFailure.InvalidSnapshot, Location, invalid.Message + " Nothing was imported.", invalid);
        }
        catch (EndOfStreamException truncated)
        {
            throw new LogStoreException(StoreFailure.InvalidSnapshot, Location, "The snapshot is truncated. Nothing was imported.", truncated);
        }

        if (result.Instance is { } instance)
        {
            SetInstance(instance);
        }

        return result.Imported!;
    }

    public long DiscardUnanchoredEntries()
    {
        // Entries beyond their stream's head can only come from a state transfer that stopped before its summary was
        // installed, and nothing is written after them but by that transfer: they are the newest rows, so the walk
        // back from the newest row ends at the first one a head covers.
        var newest = Read<(string? Stream, long Sequence)>(connection =>
        {
            using var command = SqlCommands.Create(connection, "SELECT id, stream, seq FROM entry_rows ORDER BY id DESC LIMIT 1");
            using var reader = command.ExecuteReader();
            return reader.Read() ? (Stream: reader.GetString(1), Sequence: reader.GetInt64(2)) : default;
        });
        if (newest.Stream is null || GetHead(newest.Stream) is { } head && head.LastSequence >= newest.Sequence)
        {
            return 0;
        }

        long discarded = 0;
        Write(transaction =>
        {
            var heads = new Dictionary<string, long>(StringComparer.Ordinal);
            using (var read = SqlCommands.Create(Writer, $"SELECT stream, last_seq FROM stream_heads", transaction))
            {
                ForEach(read, reader => heads[reader.GetString(0)] = reader.GetInt64(1));
            }

            long anchored = 0;
            using (var walk = SqlCommands.Create(Writer, "SELECT id, stream, seq FROM entry_rows ORDER BY id DESC", transaction))
            using (var reader = walk.ExecuteReader())
            {
                while (reader.Read())
                {
                    if (heads.TryGetValue(reader.GetString(1), out var last) && reader.GetInt64(2) <= last)
                    {
                        anchored = reader.GetInt64(0);
                        break;
                    }
                }
            }

            using var delete = SqlCommands.Create(Writer, "DELETE FROM entries WHERE id > @anchored", transaction);
            delete.Add("@anchored", anchored);
            discarded = delete.ExecuteNonQuery();
            EntriesDeleted(transaction);
            _lastStored.Clear();
        });
        return discarded;
    }

    /// <summary>Writes the scope's entries up to its byte bound and returns the last sequence written, or -1.</summary>
    private static long WriteEntries(DbConnection connection, DbTransaction transaction, SnapshotWriter writer, SnapshotScope scope)
    {
        using var entries = SqlCommands.Create(connection,
            scope.StreamId is null
                ? $"SELECT {SqlCommands.EntryColumns} FROM entry_rows ORDER BY id"
                : $"SELECT {SqlCommands.EntryColumns} FROM entry_rows WHERE stream_id = {SqlCommands.StreamIdParameter} AND seq >= @from_seq AND seq <= @to_seq ORDER BY seq",
            transaction);
        AddRange(entries, scope);
        using var reader = entries.ExecuteReader();
        long bytes = 0, last = -1;
        while (reader.Read())
        {
            var entry = SqlCommands.ReadEntry(reader);
            bytes += entry.SealedEntry.Length;
            if (bytes > scope.MaxEntryBytes && last >= 0)
            {
                break;
            }

            writer.Entry(entry);
            last = entry.Sequence;
        }

        return last;
    }

    /// <summary>
    /// The certified heads up to the last entry a range carries: from its start, or from the beginning when the range
    /// starts at the stream's first stored entry (so certificates over what retention removed travel too).
    /// </summary>
    private static void WriteRangeCertifiedHeads(DbConnection connection, DbTransaction transaction, SnapshotWriter writer, SnapshotScope scope, long last)
    {
        using var certified = SqlCommands.Create(connection,
            $"SELECT {SqlCommands.CertifiedHeadColumns} FROM certified_heads WHERE stream = @stream AND seq <= @last_seq AND " +
            $"(seq >= @from_seq OR @from_seq <= (SELECT MIN(seq) FROM entry_rows WHERE stream_id = {SqlCommands.StreamIdParameter})) ORDER BY seq",
            transaction);
        AddRange(certified, scope);
        certified.Add("@last_seq", last);
        ForEach(certified, reader => writer.CertifiedHead(SqlCommands.ReadCertifiedHead(reader)));
    }

    private static void AddRange(DbCommand command, SnapshotScope scope)
    {
        if (scope.StreamId is not null)
        {
            command.Add("@stream", scope.StreamId);
            command.Add("@from_seq", scope.FromSequence);
            command.Add("@to_seq", scope.ToSequence);
        }
    }

    private (long? Instance, ImportedSnapshot Imported) ImportRecords(SnapshotReader reader, SnapshotScope scope, DbTransaction transaction, Func<StreamHead, StreamHead> importHead)
    {
        long? instance = null;
        long count = 0, first = -1, lastSequence = -1;
        var chunk = new List<EntryRecord>(ImportChunkEntries);
        // Imported entries must keep each stream in sequence and consensus-time order, as appended batches do.
        var lastByStream = new Dictionary<string, StoredPosition?>(StringComparer.Ordinal);
        while (true)
        {
            var tag = reader.NextTag();
            if (scope.StreamId is not null && tag is SnapshotTag.AppliedInstance or SnapshotTag.Head)
            {
                throw new InvalidDataException($"The snapshot is invalid: a stream-range snapshot holds a {tag} record.");
            }

            switch (tag)
            {
                case SnapshotTag.AppliedInstance:
                    instance = reader.AppliedInstance();
                    WriteHeads(transaction, [], instance.Value);
                    break;
                case SnapshotTag.Head:
                    WriteHeads(transaction, [importHead(reader.Head())], null);
                    break;
                case SnapshotTag.CertifiedHead:
                    var certified = reader.CertifiedHead();
                    if (scope.StreamId is not null && (certified.StreamId != scope.StreamId || certified.Sequence > scope.ToSequence))
                    {
                        throw new InvalidDataException($"The snapshot is invalid: certified head {certified.StreamId}#{certified.Sequence} lies outside its scope.");
                    }

                    InsertCertifiedHead(transaction, certified);
                    break;
                case SnapshotTag.Tombstone:
                    var tombstone = reader.Tombstone();
                    InsertTombstone(transaction, tombstone);
                    if (scope.IsSummary)
                    {
                        // Cut here but perhaps not yet where the entries came from: the summary says they are gone.
                        using var cut = SqlCommands.Create(Writer,
                            $"DELETE FROM entries WHERE stream_id = {SqlCommands.StreamIdParameter} AND seq >= @from_seq AND seq <= @to_seq", transaction);
                        cut.Add("@stream", tombstone.StreamId);
                        cut.Add("@from_seq", tombstone.FirstSequence);
                        cut.Add("@to_seq", tombstone.LastSequence);
                        cut.ExecuteNonQuery();
                        EntriesDeleted(transaction);
                    }

                    break;
                case SnapshotTag.Entry when !scope.IsSummary:
                    var entry = reader.Entry();
                    if (scope.StreamId is not null && !InScope(scope, entry.StreamId, entry.Sequence))
                    {
                        throw new InvalidDataException($"The snapshot is invalid: entry {entry.StreamId}#{entry.Sequence} lies outside its scope.");
                    }

                    var previous = lastByStream.TryGetValue(entry.StreamId, out var last) ? last : LoadLastStored(entry.StreamId, transaction);
                    try
                    {
                        BatchValidator.Follows(entry, previous, (stream, sequence) => IsStored(stream, sequence, transaction), "source");
                    }
                    catch (ArgumentException misplaced)
                    {
                        throw new InvalidDataException($"The snapshot is invalid: {misplaced.Message}", misplaced);
                    }

                    lastByStream[entry.StreamId] = new StoredPosition(entry.Sequence, entry.TimestampMicros);
                    count++;
                    first = first < 0 ? entry.Sequence : first;
                    lastSequence = entry.Sequence;
                    chunk.Add(entry);
                    if (chunk.Count == ImportChunkEntries)
                    {
                        InsertEntries(transaction, chunk);
                        chunk.Clear();
                    }

                    break;
                case SnapshotTag.End:
                    InsertEntries(transaction, chunk);
                    reader.VerifyDigest();
                    return (instance, new ImportedSnapshot(scope, count, first, lastSequence));
                default:
                    throw new InvalidDataException($"The snapshot is invalid: a {tag} record is out of place.");
            }
        }
    }

    private static bool InScope(SnapshotScope scope, string streamId, long sequence) =>
        streamId == scope.StreamId && sequence >= scope.FromSequence && sequence <= scope.ToSequence;

    private static void WriteReplicaState(DbConnection connection, DbTransaction transaction, SnapshotWriter writer, Func<StreamHead, StreamHead> exportHead, bool latestCertifiedOnly)
    {
        using (var instance = SqlCommands.Create(connection, "SELECT applied_instance FROM replica_state WHERE id = 1", transaction))
        {
            writer.AppliedInstance(Convert.ToInt64(instance.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
        }

        using (var heads = SqlCommands.Create(connection, $"SELECT {SqlCommands.HeadColumns} FROM stream_heads ORDER BY stream", transaction))
        {
            ForEach(heads, reader => writer.Head(exportHead(SqlCommands.ReadHead(reader))));
        }

        using var certified = SqlCommands.Create(connection,
            $"SELECT {SqlCommands.CertifiedHeadColumns} FROM certified_heads c" +
            (latestCertifiedOnly ? " WHERE seq = (SELECT MAX(seq) FROM certified_heads l WHERE l.stream = c.stream)" : "") + " ORDER BY stream, seq",
            transaction);
        ForEach(certified, reader => writer.CertifiedHead(SqlCommands.ReadCertifiedHead(reader)));
    }

    private static void ForEach(DbCommand command, Action<DbDataReader> row)
    {
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            row(reader);
        }
    }
}
