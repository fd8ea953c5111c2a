using System.Data;
using System.Data.Common;
using LogService.Storage.Sql;
using Npgsql;

namespace LogService.Storage.Postgres;

/// <summary>
/// The PostgreSQL engine: one writer connection that appends each batch with binary COPY inside its transaction,
/// and a pooled data source for readers. With sync=full the writer commits without waiting for the WAL flush and
/// <see cref="PostgresWalFlusher"/> makes its commits durable beside it, before any is reported durable.
/// </summary>
internal sealed class PostgresLogStore : SqlLogStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlConnection _writer;
    private readonly PostgresEntryCopy _copy = new();
    private readonly PostgresWalFlusher? _flusher;

    private PostgresLogStore(string location, PostgresStoreOptions options, NpgsqlDataSource dataSource, NpgsqlConnection writer)
        : base(location, options.SegmentEntries)
    {
        _dataSource = dataSource;
        _writer = writer;
        if (options.Sync == SyncPolicy.Full)
        {
            _flusher = PostgresWalFlusher.Start(dataSource, failure => Fault(failure));
        }
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
        PostgresLogStore? store = null;
        try
        {
            writer = dataSource.OpenConnection();
            PostgresSchema.Prepare(writer, location);
            // Either way the writer's commits do not wait for the WAL flush: with sync=full the flusher waits for it
            // before a commit is reported durable (OnCommitted); with sync=normal nothing does.
            using (var sync = new NpgsqlCommand("SET synchronous_commit = off", writer))
            {
                sync.ExecuteNonQuery();
            }

            store = new PostgresLogStore(location, options, dataSource, writer);
            store.LoadState();
            return store;
        }
        catch (Exception exception)
        {
            if (store is not null)
            {
                // Also stops the flusher the store started.
                store.Dispose();
            }
            else
            {
                writer?.Dispose();
                dataSource.Dispose();
            }

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
        _copy.Send(_writer, entries, names);
    }

    protected override Task OnCommitted() => _flusher?.Register() ?? Task.CompletedTask;

    protected override LogStoreException Translate(Exception exception) =>
        exception is NpgsqlException npgsql ? PostgresErrors.Translate(Location, npgsql)
            : new LogStoreException(StoreFailure.EngineError, Location, exception.Message, exception);

    protected override bool IsEngineException(Exception exception) => exception is NpgsqlException;

    protected override void CloseEngine()
    {
        // First: it flushes what is still registered.
        _flusher?.Dispose();
        _writer.Dispose();
        _dataSource.Dispose();
    }
}
