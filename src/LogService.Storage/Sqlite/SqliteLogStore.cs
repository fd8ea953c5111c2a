using System.Data.Common;
using LogService.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace LogService.Storage.Sqlite;

/// <summary>
/// The embedded engine: one writer connection in WAL mode whose insert statements are prepared once and reused,
/// a checkpointer beside it (<see cref="SqliteCheckpointer"/>), and pooled read-only connections that read committed
/// snapshots without blocking the writer.
/// </summary>
internal sealed class SqliteLogStore : SqlLogStore
{
    private readonly SqliteConnection _writer;
    private readonly string _readerConnectionString;
    private readonly SqliteEntryInsert _insert;
    private readonly SqliteCheckpointer _checkpointer;
    private long _uncommittedBytes;

    private SqliteLogStore(string path, SqliteStoreOptions options, SqliteConnection writer, SqliteCheckpointer checkpointer)
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
        _checkpointer = checkpointer;
    }

    protected override DbConnection Writer => _writer;

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
        try
        {
            writer.Open();
            SqliteSchema.Prepare(writer, path, options);
            using (var command = writer.CreateCommand())
            {
                command.CommandText = "PRAGMA wal_autocheckpoint = 0";
                command.ExecuteNonQuery();
            }

            checkpointer = new SqliteCheckpointer(path, options.Sync);
            var store = new SqliteLogStore(path, options, writer, checkpointer);
            store.LoadState();
            return store;
        }
        catch (SqliteException exception)
        {
            checkpointer?.Dispose();
            writer.Dispose();
            throw SqliteErrors.Translate(path, exception);
        }
        catch
        {
            checkpointer?.Dispose();
            writer.Dispose();
            throw;
        }
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
        foreach (var entry in entries)
        {
            _uncommittedBytes += entry.SealedEntry.Length;
        }
    }

    protected override void OnCommitted()
    {
        _checkpointer.Committed(_uncommittedBytes);
        _uncommittedBytes = 0;
    }

    protected override LogStoreException Translate(Exception exception) =>
        exception is SqliteException sqlite ? SqliteErrors.Translate(Location, sqlite)
            : new LogStoreException(StoreFailure.EngineError, Location, exception.Message, exception);

    protected override bool IsEngineException(Exception exception) => exception is SqliteException;

    protected override void CloseEngine()
    {
        _insert.Dispose();
        _checkpointer.Dispose();
        using (var reader = new SqliteConnection(_readerConnectionString))
        {
            SqliteConnection.ClearPool(reader);
        }

        // Closing the last connection checkpoints the WAL into the database file.
        _writer.Dispose();
    }
}
