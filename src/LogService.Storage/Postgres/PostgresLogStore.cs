using System.Data;
using System.Data.Common;
using LogService.Storage.Sql;
using Npgsql;
using NpgsqlTypes;

namespace LogService.Storage.Postgres;

/// <summary>
/// The PostgreSQL engine: one writer connection that appends each batch with binary COPY inside its transaction,
/// and a pooled data source for readers.
/// </summary>
internal sealed class PostgresLogStore : SqlLogStore
{
    private const string CopyEntries =
        "COPY entries (stream_id, seq, tenant_id, ts, level, source_cloud_id, source_node_id, source_user_id, event_type_id, w_mask, kind, sealed) " +
        "FROM STDIN (FORMAT BINARY)";

    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlConnection _writer;

    private PostgresLogStore(string location, PostgresStoreOptions options, NpgsqlDataSource dataSource, NpgsqlConnection writer)
        : base(location, options.SegmentEntries)
    {
        _dataSource = dataSource;
        _writer = writer;
    }

    protected override DbConnection Writer => _writer;

    public static PostgresLogStore Open(PostgresStoreOptions options)
    {
        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        if (builder.MaxAutoPrepare == 0)
        {
            // Statements the store repeats (head upserts, page queries) are prepared on the server after a few uses.
            builder.MaxAutoPrepare = 32;
        }

        var location = $"postgresql://{builder.Host}:{builder.Port}/{builder.Database}";
        var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        NpgsqlConnection? writer = null;
        try
        {
            writer = dataSource.OpenConnection();
            PostgresSchema.Prepare(writer, location);
            using (var sync = new NpgsqlCommand(
                options.Sync == SyncPolicy.Full ? "SET synchronous_commit = on" : "SET synchronous_commit = off", writer))
            {
                sync.ExecuteNonQuery();
            }

            var store = new PostgresLogStore(location, options, dataSource, writer);
            store.LoadState();
            return store;
        }
        catch (Exception exception)
        {
            writer?.Dispose();
            dataSource.Dispose();
            if (exception is NpgsqlException npgsql)
            {
                throw PostgresErrors.Translate(location, npgsql);
            }

            throw;
        }
    }

    protected override DbConnection OpenReader() => _dataSource.OpenConnection();

    protected override DbTransaction BeginReadTransaction(DbConnection reader) =>
        ((NpgsqlConnection)reader).BeginTransaction(IsolationLevel.RepeatableRead);

    protected override void InsertEntries(DbTransaction transaction, IReadOnlyList<EntryRecord> entries, ReadOnlySpan<EntryNameIds> names)
    {
        if (entries.Count == 0)
        {
            return;
        }

        // COPY runs inside the open transaction, so the batch still commits or vanishes as a whole.
        using var import = _writer.BeginBinaryImport(CopyEntries);
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            ref readonly var ids = ref names[i];
            import.StartRow();
            import.Write((int)ids.Stream, NpgsqlDbType.Integer);
            import.Write(entry.Sequence, NpgsqlDbType.Bigint);
            import.Write((int)ids.Tenant, NpgsqlDbType.Integer);
            import.Write(entry.TimestampMicros, NpgsqlDbType.Bigint);
            import.Write((short)entry.Level, NpgsqlDbType.Smallint);
            import.Write((int)ids.SourceCloud, NpgsqlDbType.Integer);
            import.Write((int)ids.SourceNode, NpgsqlDbType.Integer);
            import.Write((int)ids.SourceUser, NpgsqlDbType.Integer);
            import.Write((int)ids.EventType, NpgsqlDbType.Integer);
            import.Write(unchecked((long)entry.PermissionMask), NpgsqlDbType.Bigint);
            import.Write((short)entry.Kind, NpgsqlDbType.Smallint);
            import.Write(entry.SealedEntry, NpgsqlDbType.Bytea);
        }

        import.Complete();
    }

    protected override LogStoreException Translate(Exception exception) =>
        exception is NpgsqlException npgsql ? PostgresErrors.Translate(Location, npgsql)
            : new LogStoreException(StoreFailure.EngineError, Location, exception.Message, exception);

    protected override bool IsEngineException(Exception exception) => exception is NpgsqlException;

    protected override void CloseEngine()
    {
        _writer.Dispose();
        _dataSource.Dispose();
    }
}
