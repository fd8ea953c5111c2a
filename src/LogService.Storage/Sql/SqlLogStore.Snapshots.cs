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
                WriteReplicaState(connection, transaction, writer, exportHead ?? (head => head));
            }

            using (var tombstones = SqlCommands.Create(connection,
                $"SELECT {SqlCommands.TombstoneColumns} FROM tombstones{(scope.StreamId is null ? "" : " WHERE stream = @stream")} ORDER BY stream, first_seq",
                transaction))
            {
                if (scope.StreamId is not null)
                {
                    tombstones.Add("@stream", scope.StreamId);
                }

                ForEach(tombstones, reader => writer.Tombstone(SqlCommands.ReadTombstone(reader)));
            }

            using (var entries = SqlCommands.Create(connection,
                scope.StreamId is null
                    ? $"SELECT {SqlCommands.EntryColumns} FROM entry_rows ORDER BY id"
                    : $"SELECT {SqlCommands.EntryColumns} FROM entry_rows WHERE stream_id = {SqlCommands.StreamIdParameter} AND seq >= @from_seq AND seq <= @to_seq ORDER BY seq",
                transaction))
            {
                if (scope.StreamId is not null)
                {
                    entries.Add("@stream", scope.StreamId);
                    entries.Add("@from_seq", scope.FromSequence);
                    entries.Add("@to_seq", scope.ToSequence);
                }

                ForEach(entries, reader => writer.Entry(SqlCommands.ReadEntry(reader)));
            }

            writer.Finish();
            transaction.Commit();
            return true;
        });
    }

    public void ImportSnapshot(Stream source, Func<StreamHead, StreamHead>? importHead = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        long? importedInstance = null;
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
                    foreach (var table in (string[])["entries", "stream_heads", "certified_heads", "tombstones"])
                    {
                        using var clear = SqlCommands.Create(Writer, $"DELETE FROM {table}", transaction);
                        clear.ExecuteNonQuery();
                    }
                }

                importedInstance = ImportRecords(reader, scope, transaction, importHead ?? (head => head));
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

        if (importedInstance is { } instance)
        {
            SetInstance(instance);
        }
    }

    private long? ImportRecords(SnapshotReader reader, SnapshotScope scope, DbTransaction transaction, Func<StreamHead, StreamHead> importHead)
    {
        long? instance = null;
        var chunk = new List<EntryRecord>(ImportChunkEntries);
        // Imported entries must keep each stream in sequence and consensus-time order, as appended batches do.
        var lastByStream = new Dictionary<string, StoredPosition?>(StringComparer.Ordinal);
        while (true)
        {
            var tag = reader.NextTag();
            if (scope.StreamId is not null && tag is SnapshotTag.AppliedInstance or SnapshotTag.Head or SnapshotTag.CertifiedHead)
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
                    InsertCertifiedHead(transaction, reader.CertifiedHead());
                    break;
                case SnapshotTag.Tombstone:
                    InsertTombstone(transaction, reader.Tombstone());
                    break;
                case SnapshotTag.Entry:
                    var entry = reader.Entry();
                    if (scope.StreamId is not null
                        && (entry.StreamId != scope.StreamId || entry.Sequence < scope.FromSequence || entry.Sequence > scope.ToSequence))
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
                    return instance;
                default:
                    throw new InvalidDataException($"The snapshot is invalid: a {tag} record is out of place.");
            }
        }
    }

    private static void WriteReplicaState(DbConnection connection, DbTransaction transaction, SnapshotWriter writer, Func<StreamHead, StreamHead> exportHead)
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
            $"SELECT {SqlCommands.CertifiedHeadColumns} FROM certified_heads ORDER BY stream, seq", transaction);
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
