using System.Data.Common;
using LogService.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace LogService.Storage.Sqlite;

/// <summary>
/// The embedded engine: one writer connection in WAL mode whose insert statements are prepared once and reused,
/// and pooled read-only connections that read committed snapshots without blocking the writer.
/// </summary>
internal sealed class SqliteLogStore : SqlLogStore
{
    private readonly SqliteConnection _writer;
    private readonly string _readerConnectionString;
    private readonly SqliteEntryInsert _insert;

    private SqliteLogStore(string path, SqliteStoreOptions options, SqliteConnection writer)
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
        try
        {
            writer.Open();
            SqliteSchema.Prepare(writer, path, options);
            var store = new SqliteLogStore(path, options, writer);
            store.LoadState();
            return store;
        }
        catch (SqliteException exception)
        {
            writer.Dispose();
            throw SqliteErrors.Translate(path, exception);
        }
        catch
        {
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

    protected override void InsertEntries(DbTransaction transaction, IReadOnlyList<EntryRecord> entries, ReadOnlySpan<EntryNameIds> names) =>
        _insert.Insert(entries, names);

    protected override LogStoreException Translate(Exception exception) =>
        exception is SqliteException sqlite ? SqliteErrors.Translate(Location, sqlite)
            : new LogStoreException(StoreFailure.EngineError, Location, exception.Message, exception);

    protected override bool IsEngineException(Exception exception) => exception is SqliteException;

    protected override void CloseEngine()
    {
        _insert.Dispose();
        using (var reader = new SqliteConnection(_readerConnectionString))
        {
            SqliteConnection.ClearPool(reader);
        }

        // Closing the last connection checkpoints the WAL into the database file.
        _writer.Dispose();
    }
}
