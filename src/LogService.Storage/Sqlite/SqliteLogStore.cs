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
    // Multi-row inserts cut the per-statement overhead that dominates 1,000-entry batches.
    private const int RowsPerInsert = 32;
    private const int ColumnsPerRow = 12;
    private const string InsertPrefix =
        "INSERT INTO entries (stream, seq, tenant, ts, level, source_cloud, source_node, source_user, event_type, w_mask, kind, sealed) VALUES ";

    private readonly SqliteConnection _writer;
    private readonly string _readerConnectionString;
    private readonly SqliteCommand _insertMany;
    private readonly SqliteCommand _insertOne;

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
        _insertMany = CreateInsert(RowsPerInsert);
        _insertOne = CreateInsert(1);
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

    protected override void InsertEntries(DbTransaction transaction, IReadOnlyList<EntryRecord> entries)
    {
        var sqliteTransaction = (SqliteTransaction)transaction;
        var index = 0;
        _insertMany.Transaction = sqliteTransaction;
        for (; index + RowsPerInsert <= entries.Count; index += RowsPerInsert)
        {
            for (var row = 0; row < RowsPerInsert; row++)
            {
                Bind(_insertMany, row, entries[index + row]);
            }

            _insertMany.ExecuteNonQuery();
        }

        _insertOne.Transaction = sqliteTransaction;
        for (; index < entries.Count; index++)
        {
            Bind(_insertOne, 0, entries[index]);
            _insertOne.ExecuteNonQuery();
        }
    }

    protected override LogStoreException Translate(Exception exception) =>
        exception is SqliteException sqlite ? SqliteErrors.Translate(Location, sqlite)
            : new LogStoreException(StoreFailure.EngineError, Location, exception.Message, exception);

    protected override bool IsEngineException(Exception exception) => exception is SqliteException;

    protected override void CloseEngine()
    {
        _insertMany.Dispose();
        _insertOne.Dispose();
        using (var reader = new SqliteConnection(_readerConnectionString))
        {
            SqliteConnection.ClearPool(reader);
        }

        // Closing the last connection checkpoints the WAL into the database file.
        _writer.Dispose();
    }

    private static void Bind(SqliteCommand command, int row, EntryRecord entry)
    {
        var parameters = command.Parameters;
        var at = row * ColumnsPerRow;
        parameters[at].Value = entry.StreamId;
        parameters[at + 1].Value = entry.Sequence;
        parameters[at + 2].Value = entry.Tenant;
        parameters[at + 3].Value = entry.TimestampMicros;
        parameters[at + 4].Value = (long)entry.Level;
        parameters[at + 5].Value = entry.SourceCloud;
        parameters[at + 6].Value = entry.SourceNode;
        parameters[at + 7].Value = entry.SourceUser;
        parameters[at + 8].Value = entry.EventType;
        parameters[at + 9].Value = unchecked((long)entry.PermissionMask);
        parameters[at + 10].Value = (long)entry.Kind;
        parameters[at + 11].Value = entry.SealedEntry;
    }

    private SqliteCommand CreateInsert(int rows)
    {
        var command = _writer.CreateCommand();
        var values = new string[rows];
        for (var row = 0; row < rows; row++)
        {
            var names = new string[ColumnsPerRow];
            for (var column = 0; column < ColumnsPerRow; column++)
            {
                names[column] = $"@p{(row * ColumnsPerRow) + column}";
                command.Parameters.Add(new SqliteParameter(names[column], null));
            }

            values[row] = "(" + string.Join(", ", names) + ")";
        }

        command.CommandText = InsertPrefix + string.Join(", ", values);
        return command;
    }
}
