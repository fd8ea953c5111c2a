using LogService.Storage.Sql;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace LogService.Storage.Sqlite;

/// <summary>
/// The append hot path: one multi-row INSERT prepared once on the writer's handle and bound by position.
/// Microsoft.Data.Sqlite binds parameters by name, which SQLite resolves with a linear search per parameter,
/// so a many-row statement would cost quadratic time per execution; positional binding costs nothing extra.
/// Runs inside whatever transaction the connection has open. <c>OR FAIL</c> rather than the default <c>ABORT</c>:
/// an aborting multi-row statement needs a statement journal (a copy of every page it touches, so it can undo its
/// own rows), while a failing one leaves that to the caller, which rolls back the whole transaction on any error.
/// </summary>
internal sealed class SqliteEntryInsert : IDisposable
{
    /// <summary>Rows per statement execution: amortises the per-step overhead over a 1,000-entry batch.</summary>
    private const int RowsPerStatement = 25;
    private const int Columns = 12;

    private readonly SqliteConnection _connection;
    private readonly sqlite3_stmt _many;
    private readonly sqlite3_stmt _one;

    public SqliteEntryInsert(SqliteConnection connection, string table = "entries")
    {
        _connection = connection;
        _many = Prepare(table, RowsPerStatement);
        _one = Prepare(table, 1);
    }

    /// <summary>Inserts the entries, storing <paramref name="names"/>[i] in place of entry i's strings.</summary>
    public void Insert(IReadOnlyList<EntryRecord> entries, ReadOnlySpan<EntryNameIds> names)
    {
        var index = 0;
        for (; index + RowsPerStatement <= entries.Count; index += RowsPerStatement)
        {
            for (var row = 0; row < RowsPerStatement; row++)
            {
                Bind(_many, row * Columns, entries[index + row], names[index + row]);
            }

            Step(_many);
        }

        for (; index < entries.Count; index++)
        {
            Bind(_one, 0, entries[index], names[index]);
            Step(_one);
        }
    }

    public void Dispose()
    {
        _many.Dispose();
        _one.Dispose();
    }

    private void Bind(sqlite3_stmt statement, int offset, EntryRecord entry, in EntryNameIds names)
    {
        // Parameter positions are 1-based. Binding by position into a prepared statement fails only for a position
        // out of range or out of memory; every result is still checked, since a silently unbound value would be NULL.
        var handle = statement.DangerousGetHandle();
        var failed =
            SqliteNative.BindInt64(handle, offset + 1, names.Stream)
            | SqliteNative.BindInt64(handle, offset + 2, entry.Sequence)
            | SqliteNative.BindInt64(handle, offset + 3, names.Tenant)
            | SqliteNative.BindInt64(handle, offset + 4, entry.TimestampMicros)
            | SqliteNative.BindInt(handle, offset + 5, entry.Level)
            | SqliteNative.BindInt64(handle, offset + 6, names.SourceCloud)
            | SqliteNative.BindInt64(handle, offset + 7, names.SourceNode)
            | SqliteNative.BindInt64(handle, offset + 8, names.SourceUser)
            | SqliteNative.BindInt64(handle, offset + 9, names.EventType)
            | SqliteNative.BindInt64(handle, offset + 10, unchecked((long)entry.PermissionMask))
            | SqliteNative.BindInt(handle, offset + 11, entry.Kind)
            | SqliteNative.BindBlob(handle, offset + 12, entry.SealedEntry);
        if (failed != raw.SQLITE_OK)
        {
            throw Failure(raw.sqlite3_errcode(_connection.Handle));
        }
    }

    private sqlite3_stmt Prepare(string table, int rows)
    {
        var row = "(" + string.Join(", ", Enumerable.Repeat("?", Columns)) + ")";
        var sql = $"INSERT OR FAIL INTO {table} (stream_id, seq, tenant_id, ts, level, source_cloud_id, source_node_id, source_user_id, event_type_id, w_mask, kind, sealed) VALUES "
            + string.Join(", ", Enumerable.Repeat(row, rows));
        Check(raw.sqlite3_prepare_v2(_connection.Handle, sql, out var statement));
        return statement;
    }

    private void Step(sqlite3_stmt statement)
    {
        var result = raw.sqlite3_step(statement);
        raw.sqlite3_reset(statement);
        if (result != raw.SQLITE_DONE)
        {
            Check(result);
        }
    }

    private void Check(int result)
    {
        if (result is not (raw.SQLITE_OK or raw.SQLITE_DONE))
        {
            throw Failure(result);
        }
    }

    private SqliteException Failure(int result)
    {
        var handle = _connection.Handle;
        return new SqliteException(
            $"SQLite Error {result}: '{raw.sqlite3_errmsg(handle).utf8_to_string()}'.", result, raw.sqlite3_extended_errcode(handle));
    }
}
