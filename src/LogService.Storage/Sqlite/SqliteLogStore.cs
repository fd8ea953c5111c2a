using System.Data.Common;
using LogService.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace LogService.Storage.Sqlite;

/// <summary>
/// The embedded engine: one writer connection in WAL mode whose insert statements are prepared once and reused,
/// a checkpointer beside it (<see cref="SqliteCheckpointer"/>), and pooled read-only connections that read committed
/// snapshots without blocking the writer. With sync=full every commit is made durable by a <see cref="GroupFlushThread"/> syncing the WAL (<see cref="SqliteWalSync"/>).
/// </summary>
internal sealed class SqliteLogStore : SqlLogStore
{
    private readonly SqliteConnection _writer;
    private readonly string _readerConnectionString;
    private readonly SqliteEntryInsert _insert;
    private readonly SqliteBlockSummaries _summaries;
    private readonly SqliteCheckpointer _checkpointer;
    private readonly SqliteWalSync? _walSync;
    private readonly GroupFlushThread? _syncThread;
    private long _uncommittedBytes;

    private SqliteLogStore(string path, SqliteStoreOptions options, SqliteConnection writer, SqliteCheckpointer checkpointer, SqliteWalSync? walSync)
        : base(path, options.SegmentEntries)
    {
        _writer = writer;
        _readerConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = true,
        }.ToString();
        _insert = new SqliteEntryInsert(writer);
        _summaries = new SqliteBlockSummaries(writer);
        _checkpointer = checkpointer;
        _walSync = walSync;
        if (walSync is not null)
        {
            _syncThread = new GroupFlushThread("SQLite WAL sync", walSync.Sync, failure => Fault(failure));
        }
    }

    protected override DbConnection Writer => _writer;

    static SqliteLogStore() => SqliteNative.PreferMultiThreadMode();

    public static SqliteLogStore Open(SqliteStoreOptions options)
    {
        var path = Path.GetFullPath(options.Path);
        var writer = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        SqliteCheckpointer? checkpointer = null;
        SqliteWalSync? walSync = null;
        try
        {
            writer.Open();
            SqliteSchema.Prepare(writer, path, options);
            Execute(writer, "PRAGMA wal_autocheckpoint = 0");
            if (options.Sync == SyncPolicy.Full)
            {
                // Migrations above committed with SQLite's own per-commit sync; from here on the store syncs each commit.
                walSync = SqliteWalSync.Open(path);
                Execute(writer, "PRAGMA synchronous = NORMAL");
            }

            checkpointer = new SqliteCheckpointer(path, options.Sync);
            var store = new SqliteLogStore(path, options, writer, checkpointer, walSync);
            store.LoadState();
            return store;
        }
        catch (Exception exception)
        {
            checkpointer?.Dispose();
            walSync?.Dispose();
            writer.Dispose();
            switch (exception)
            {
                case SqliteException sqlite:
                    throw SqliteErrors.Translate(path, sqlite);
                case IOException io:
                    throw new LogStoreException(StoreFailure.EngineError, path, $"the write-ahead log cannot be opened for syncing: {io.Message}", io);
                default:
                    throw;
            }
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    protected override DbConnection OpenReader()
    {
        var connection = new SqliteConnection(_readerConnectionString);
        connection.Open();
        return connection;
    }

    protected override DbTransaction BeginReadTransaction(DbConnection reader) =>
        ((SqliteConnection)reader).BeginTransaction(deferred: true);

    protected override void InsertEntries(DbTransaction transaction, IReadOnlyList<EntryRecord> entries, ReadOnlySpan<EntryNameIds> names)
    {
        _checkpointer.ThrowIfFailed();
        _insert.Insert(entries, names);
        if (entries.Count > 0)
        {
            // One writer inside one transaction: SQLite gives the new rows consecutive ids after the largest stored one.
            _summaries.Inserted(SQLitePCL.raw.sqlite3_last_insert_rowid(_writer.Handle) - entries.Count + 1, entries, names);
        }

        foreach (var entry in entries)
        {
            _uncommittedBytes += entry.SealedEntry.Length;
        }
    }

    protected override void EntriesDeleted(DbTransaction transaction) =>
        SqliteBlockSummaries.Deleted(_writer, (SqliteTransaction)transaction);

    protected override EntryPage? PageBySummaries(DbConnection connection, EntryQuery query, PageCursor? cursor) =>
        SqliteBlockQuery.Page((SqliteConnection)connection, query, cursor);

    protected override long? CountBySummaries(DbConnection connection, EntryFilter filter) =>
        SqliteBlockQuery.Count((SqliteConnection)connection, filter);

    protected override IReadOnlyList<HistogramBucket>? HistogramBySummaries(DbConnection connection, EntryFilter filter, long bucketMicros) =>
        SqliteBlockQuery.Histogram((SqliteConnection)connection, filter, bucketMicros);

    protected override Task OnCommitted()
    {
        _checkpointer.Committed(_uncommittedBytes);
        _uncommittedBytes = 0;
        // With sync=full nothing is acknowledged before the sync thread flushed the WAL past this commit.
        return _syncThread?.Register() ?? Task.CompletedTask;
    }

    protected override LogStoreException Translate(Exception exception) =>
        exception is SqliteException sqlite ? SqliteErrors.Translate(Location, sqlite)
            : new LogStoreException(StoreFailure.EngineError, Location, exception.Message, exception);

    /// <remarks>An <see cref="IOException"/> is a failed sync of the write-ahead log, the only file I/O outside SQLite.</remarks>
    protected override bool IsEngineException(Exception exception) => exception is SqliteException or IOException;

    protected override void CloseEngine()
    {
        // First: it syncs what is still registered, and uses the WAL's handle until it stops.
        _syncThread?.Dispose();
        _insert.Dispose();
        _summaries.Dispose();
        _checkpointer.Dispose();
        _walSync?.Dispose();
        using (var reader = new SqliteConnection(_readerConnectionString))
        {
            SqliteConnection.ClearPool(reader);
        }

        // Closing the last connection checkpoints the WAL into the database file.
        _writer.Dispose();
    }
}
