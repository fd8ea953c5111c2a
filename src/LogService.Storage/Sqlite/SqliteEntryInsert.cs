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

    private static void Bind(sqlite3_stmt statement, int offset, EntryRecord entry, in EntryNameIds names)
    {
        // Parameter positions are 1-based.
        raw.sqlite3_bind_int64(statement, offset + 1, names.Stream);
        raw.sqlite3_bind_int64(statement, offset + 2, entry.Sequence);
        raw.sqlite3_bind_int64(statement, offset + 3, names.Tenant);
        raw.sqlite3_bind_int64(statement, offset + 4, entry.TimestampMicros);
        raw.sqlite3_bind_int(statement, offset + 5, entry.Level);
        raw.sqlite3_bind_int64(statement, offset + 6, names.SourceCloud);
        raw.sqlite3_bind_int64(statement, offset + 7, names.SourceNode);
        raw.sqlite3_bind_int64(statement, offset + 8, names.SourceUser);
        raw.sqlite3_bind_int64(statement, offset + 9, names.EventType);
        raw.sqlite3_bind_int64(statement, offset + 10, unchecked((long)entry.PermissionMask));
        raw.sqlite3_bind_int(statement, offset + 11, entry.Kind);
        raw.sqlite3_bind_blob(statement, offset + 12, entry.SealedEntry);
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
            var handle = _connection.Handle;
            throw new SqliteException(
                $"SQLite Error {result}: '{raw.sqlite3_errmsg(handle).utf8_to_string()}'.", result, raw.sqlite3_extended_errcode(handle));
        }
    }
}
