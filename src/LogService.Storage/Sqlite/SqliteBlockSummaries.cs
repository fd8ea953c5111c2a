using System.Buffers.Binary;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace LogService.Storage.Sqlite;

/// <summary>
/// Batch-granularity summaries that replace per-entry time and node indexes (in the spirit of PostgreSQL's BRIN).
/// Entries appended together get consecutive row ids; each run of at most <see cref="MaxBlockRows"/> of them is one
/// block: a row of <c>entry_blocks</c> (its id range, time range and highest level) and, per source node present in
/// it, a row of <c>entry_block_nodes</c> listing that node's rows of the block (offset from the first id and level,
/// three bytes each). A batch of 1,000 entries from 50 nodes thus writes 51 small rows where the indexes wrote 2,000
/// index entries. Ids are not assumed to follow time (imports bring older timestamps): each block carries its own
/// time range, and <c>entry_block_span</c> the widest such range, which bounds how far from a time window a block
/// meeting it can lie (so a query reads only the block index entries near its window). A summary may be wider than its rows (after deletions) but never misses one: readers re-check every
/// filter on the rows themselves (<see cref="SqliteBlockQuery"/>).
/// </summary>
internal sealed class SqliteBlockSummaries : IDisposable
{
    /// <summary>Rows per block at most; also keeps every offset within two bytes.</summary>
    public const int MaxBlockRows = 4096;

    /// <summary>Bytes per row in a node's list: a little-endian offset from the block's first id, then the level.</summary>
    public const int BytesPerRow = 3;

    /// <summary>Creates the summary tables and drops the indexes they replace (schema version 5).</summary>
    public const string Schema =
        """
        CREATE TABLE entry_blocks (
            first_id INTEGER PRIMARY KEY,
            last_id INTEGER NOT NULL,
            min_ts INTEGER NOT NULL,
            max_ts INTEGER NOT NULL,
            max_level INTEGER NOT NULL);
        CREATE INDEX entry_blocks_by_max_ts ON entry_blocks (max_ts, last_id);
        CREATE INDEX entry_blocks_by_min_ts ON entry_blocks (min_ts, first_id);
        CREATE TABLE entry_block_nodes (
            block INTEGER NOT NULL,
            node_id INTEGER NOT NULL,
            max_level INTEGER NOT NULL,
            rows BLOB NOT NULL,
            PRIMARY KEY (block, node_id)) WITHOUT ROWID;
        CREATE TABLE entry_block_span (id INTEGER PRIMARY KEY CHECK (id = 1), widest INTEGER NOT NULL);
        INSERT INTO entry_block_span (id, widest) VALUES (1, 0);
        DROP INDEX entries_by_time;
        DROP INDEX entries_by_node_time;
        """;

    private readonly SqliteConnection _connection;
    private readonly sqlite3_stmt _block;
    private readonly sqlite3_stmt _node;
    private readonly sqlite3_stmt _span;
    private readonly sqlite3_stmt[] _reclaim;
    private long[] _keys = new long[MaxBlockRows];
    private readonly byte[] _list = new byte[MaxBlockRows * BytesPerRow];
    private readonly Row[] _rows = new Row[MaxBlockRows];

    public SqliteBlockSummaries(SqliteConnection connection)
    {
        _connection = connection;
        _block = Prepare("INSERT INTO entry_blocks (first_id, last_id, min_ts, max_ts, max_level) VALUES (?, ?, ?, ?, ?)");
        _node = Prepare("INSERT INTO entry_block_nodes (block, node_id, max_level, rows) VALUES (?, ?, ?, ?)");
        _span = Prepare("UPDATE entry_block_span SET widest = ?1 WHERE id = 1 AND widest < ?1");
        _reclaim =
        [
            Prepare("DELETE FROM entry_block_nodes WHERE block >= ?1"),
            Prepare("DELETE FROM entry_blocks WHERE first_id >= ?1"),
            Prepare("UPDATE entry_blocks SET last_id = ?1 - 1 WHERE first_id = (SELECT max(first_id) FROM entry_blocks) AND last_id >= ?1"),
        ];
    }

    /// <summary>One summarised row: its id, time, source node id and level.</summary>
    public readonly record struct Row(long Id, long Timestamp, long Node, byte Level);

    /// <summary>Summarises rows just inserted with the consecutive ids <paramref name="firstId"/>, <paramref name="firstId"/>+1, ….</summary>
    public void Inserted(long firstId, IReadOnlyList<EntryRecord> entries, ReadOnlySpan<Sql.EntryNameIds> names)
    {
        // New rows take ids after the largest stored one, which may be ids of rows deleted behind the store's back (a
        // truncated file, a tampered one): summaries of those ids go first, so blocks never overlap. Normally a few
        // index seeks that find nothing.
        foreach (var statement in _reclaim)
        {
            Step(statement, SqliteNative.BindInt64(statement.DangerousGetHandle(), 1, firstId));
        }

        var rows = _rows.AsSpan();
        for (var start = 0; start < entries.Count; start += MaxBlockRows)
        {
            var count = Math.Min(MaxBlockRows, entries.Count - start);
            for (var i = 0; i < count; i++)
            {
                var entry = entries[start + i];
                rows[i] = new Row(firstId + start + i, entry.TimestampMicros, names[start + i].SourceNode, entry.Level);
            }

            WriteBlock(rows[..count]);
        }
    }

    /// <summary>
    /// Writes one block for <paramref name="rows"/>: ascending ids spanning fewer than 65,536 and at most
    /// <see cref="MaxBlockRows"/> rows.
    /// </summary>
    public void WriteBlock(ReadOnlySpan<Row> rows)
    {
        var firstId = rows[0].Id;
        long minTs = long.MaxValue, maxTs = long.MinValue;
        byte maxLevel = 0;
        if (_keys.Length < rows.Length)
        {
            _keys = new long[rows.Length];
        }

        // Sorting (node, offset) keys groups each node's rows, in id order, without a dictionary.
        for (var i = 0; i < rows.Length; i++)
        {
            var row = rows[i];
            minTs = Math.Min(minTs, row.Timestamp);
            maxTs = Math.Max(maxTs, row.Timestamp);
            maxLevel = Math.Max(maxLevel, row.Level);
            _keys[i] = (row.Node << 24) | ((row.Id - firstId) << 8) | row.Level;
        }

        var keys = _keys.AsSpan(0, rows.Length);
        keys.Sort();
        var block = _block.DangerousGetHandle();
        Step(_block, SqliteNative.BindInt64(block, 1, firstId) | SqliteNative.BindInt64(block, 2, rows[^1].Id)
            | SqliteNative.BindInt64(block, 3, minTs) | SqliteNative.BindInt64(block, 4, maxTs) | SqliteNative.BindInt(block, 5, maxLevel));
        // Written in the same transaction, never cached: a rolled-back batch must not leave a wider span behind.
        Step(_span, SqliteNative.BindInt64(_span.DangerousGetHandle(), 1, maxTs - minTs));
        var nodeRow = _node.DangerousGetHandle();
        var start = 0;
        while (start < keys.Length)
        {
            var node = keys[start] >> 24;
            byte nodeMax = 0;
            var end = start;
            for (; end < keys.Length && keys[end] >> 24 == node; end++)
            {
                var at = (end - start) * BytesPerRow;
                BinaryPrimitives.WriteUInt16LittleEndian(_list.AsSpan(at), (ushort)(keys[end] >> 8));
                _list[at + 2] = (byte)keys[end];
                nodeMax = Math.Max(nodeMax, (byte)keys[end]);
            }

            Step(_node, SqliteNative.BindInt64(nodeRow, 1, firstId) | SqliteNative.BindInt64(nodeRow, 2, node)
                | SqliteNative.BindInt(nodeRow, 3, nodeMax) | SqliteNative.BindBlob(nodeRow, 4, _list.AsSpan(0, (end - start) * BytesPerRow)));
            start = end;
        }
    }

    /// <summary>Summarises every stored row (the migration to schema version 5), in blocks of up to 1,000 rows.</summary>
    public void SummariseAll(SqliteTransaction transaction)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT id, ts, source_node_id, level FROM entries ORDER BY id";
        using var reader = command.ExecuteReader();
        var rows = new List<Row>(1000);
        while (reader.Read())
        {
            var row = new Row(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), (byte)reader.GetInt32(3));
            if (rows.Count == 1000 || (rows.Count > 0 && row.Id - rows[0].Id > ushort.MaxValue))
            {
                WriteBlock(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rows));
                rows.Clear();
            }

            rows.Add(row);
        }

        if (rows.Count > 0)
        {
            WriteBlock(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rows));
        }
    }

    /// <summary>
    /// Keeps the summaries true after rows were deleted: blocks above the highest remaining id go (new rows will reuse
    /// those ids) and the last block ends at it, so blocks never overlap; blocks left without rows go too. Blocks
    /// that lost only some rows stay as they are, wider than their rows.
    /// </summary>
    public static void Deleted(SqliteConnection connection, SqliteTransaction transaction)
    {
        Execute(connection, transaction,
            """
            CREATE TEMP TABLE IF NOT EXISTS emptied_blocks (first_id INTEGER PRIMARY KEY);
            DELETE FROM temp.emptied_blocks;
            INSERT INTO temp.emptied_blocks
                SELECT first_id FROM entry_blocks b
                WHERE NOT EXISTS (SELECT 1 FROM entries e WHERE e.id >= b.first_id AND e.id <= b.last_id);
            DELETE FROM entry_block_nodes WHERE block IN (SELECT first_id FROM temp.emptied_blocks);
            DELETE FROM entry_blocks WHERE first_id IN (SELECT first_id FROM temp.emptied_blocks);
            UPDATE entry_blocks SET last_id = (SELECT max(id) FROM entries)
                WHERE first_id = (SELECT max(first_id) FROM entry_blocks) AND last_id > (SELECT max(id) FROM entries);
            DROP TABLE temp.emptied_blocks;
            """);
    }

    public void Dispose()
    {
        _block.Dispose();
        _node.Dispose();
        _span.Dispose();
        foreach (var statement in _reclaim)
        {
            statement.Dispose();
        }
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Runs a statement whose values were just bound (<paramref name="bound"/>: the binds' results OR-ed).</summary>
    private void Step(sqlite3_stmt statement, int bound)
    {
        if (bound != raw.SQLITE_OK)
        {
            throw Failure(raw.sqlite3_errcode(_connection.Handle));
        }

        var result = raw.sqlite3_step(statement);
        raw.sqlite3_reset(statement);
        if (result != raw.SQLITE_DONE)
        {
            throw Failure(result);
        }
    }

    private sqlite3_stmt Prepare(string sql)
    {
        var result = raw.sqlite3_prepare_v2(_connection.Handle, sql, out var statement);
        return result == raw.SQLITE_OK ? statement : throw Failure(result);
    }

    private SqliteException Failure(int result)
    {
        var handle = _connection.Handle;
        return new SqliteException(
            $"SQLite Error {result}: '{raw.sqlite3_errmsg(handle).utf8_to_string()}'.", result, raw.sqlite3_extended_errcode(handle));
    }
}
