using System.Buffers.Binary;
using System.Data.Common;
using System.Globalization;
using System.Text;
using LogService.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace LogService.Storage.Sqlite;

/// <summary>
/// Answers queries that are not along one stream through the block summaries (<see cref="SqliteBlockSummaries"/>)
/// instead of per-entry time and node indexes. The candidate blocks are those whose time range meets the window
/// (and the cursor) and whose highest level reaches the minimum; with a source node named, only blocks holding that
/// node's rows at that level, and only those rows. Every filter is then applied to the rows themselves, so the
/// answers are exactly those of the indexed query, in the same (time, row) order with the same cursors.
/// A page visits blocks in the order of their newest (or oldest) time and stops as soon as no further block can hold
/// a row that would make the page: its time bound (and then id bound) is beyond the page's last row.
/// </summary>
internal sealed class SqliteBlockQuery : IDisposable
{
    /// <summary>Listed row ids fetched per statement.</summary>
    private const int IdsPerFetch = 2048;

    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly EntryFilter _filter;
    private readonly PageOrder _order;
    private readonly PageCursor? _cursor;
    private readonly string _select;
    private readonly string _tail;
    private SqliteCommand? _byRange;
    private SqliteCommand? _byIds;

    private SqliteBlockQuery(SqliteConnection connection, EntryFilter filter, PageOrder order, PageCursor? cursor, string select, string tail)
    {
        _connection = connection;
        _transaction = connection.BeginTransaction(deferred: true);
        _filter = filter;
        _order = order;
        _cursor = cursor;
        _select = select;
        _tail = tail;
    }

    /// <summary>A page of <paramref name="query"/> after <paramref name="cursor"/>.</summary>
    public static EntryPage Page(SqliteConnection connection, EntryQuery query, PageCursor? cursor)
    {
        // Candidates are ranked by (time, row) from the table alone; only the page's rows are read with their names.
        using var scan = new SqliteBlockQuery(connection, query.Filter, query.Order, cursor,
            "SELECT ts, id FROM entries", $" ORDER BY ts {Direction(query.Order)}, id {Direction(query.Order)} LIMIT {query.PageSize + 1}");
        return scan.Page(query.PageSize);
    }

    /// <summary>How many rows match <paramref name="filter"/>.</summary>
    public static long Count(SqliteConnection connection, EntryFilter filter)
    {
        using var scan = new SqliteBlockQuery(connection, filter, PageOrder.OldestFirst, null, "SELECT COUNT(*) FROM entries", "");
        long count = 0;
        scan.ForEachCandidate(command => count += Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture));
        return count;
    }

    /// <summary>The matching rows counted by time bucket and level.</summary>
    public static IReadOnlyList<HistogramBucket> Histogram(SqliteConnection connection, EntryFilter filter, long bucketMicros)
    {
        // Integer division floors for the non-negative timestamps consensus assigns.
        using var scan = new SqliteBlockQuery(connection, filter, PageOrder.OldestFirst, null,
            $"SELECT (ts / {bucketMicros}) * {bucketMicros} AS bucket_start, level, COUNT(*) FROM entries", " GROUP BY bucket_start, level");
        var counts = new SortedDictionary<(long Start, byte Level), long>();
        scan.ForEachCandidate(command =>
        {
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var key = (reader.GetInt64(0), (byte)reader.GetInt32(1));
                counts[key] = counts.GetValueOrDefault(key) + reader.GetInt64(2);
            }
        });
        return counts.Select(pair => new HistogramBucket(pair.Key.Start, pair.Key.Level, pair.Value)).ToList();
    }

    public void Dispose()
    {
        _byRange?.Dispose();
        _byIds?.Dispose();
        _transaction.Dispose();
    }

    private EntryPage Page(int pageSize)
    {
        var newest = _order == PageOrder.NewestFirst;
        var need = pageSize + 1;
        var best = new List<(long Ts, long Id)>(need * 2);
        var ids = new List<long>();
        void Merge(SqliteCommand command)
        {
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                best.Add((reader.GetInt64(0), reader.GetInt64(1)));
            }

            best.Sort((a, b) => newest ? b.CompareTo(a) : a.CompareTo(b));
            if (best.Count > need)
            {
                best.RemoveRange(need, best.Count - need);
            }
        }

        void FlushIds()
        {
            if (ids.Count > 0)
            {
                Merge(ByIds(ids));
                ids.Clear();
            }
        }

        using (var blocks = Blocks(newest ? "b.max_ts DESC, b.last_id DESC" : "b.min_ts ASC, b.first_id ASC"))
        using (var reader = blocks.ExecuteReader())
        {
            while (reader.Read())
            {
                var block = ReadBlock(reader);
                if (best.Count + ids.Count >= need)
                {
                    FlushIds();
                }

                // No row of this block or a later one can come before the page's last row: the page is complete.
                var bound = newest ? (block.MaxTs, block.LastId) : (block.MinTs, block.FirstId);
                if (best.Count == need && (newest ? best[^1].CompareTo(bound) > 0 : best[^1].CompareTo(bound) < 0))
                {
                    break;
                }

                if (block.NodeRows is null)
                {
                    Merge(ByRange(block.FirstId, block.LastId));
                }
                else
                {
                    AddNodeRows(block, ids);
                    if (ids.Count >= IdsPerFetch)
                    {
                        FlushIds();
                    }
                }
            }
        }

        FlushIds();
        var more = best.Count > pageSize;
        var page = best.Take(pageSize).ToList();
        using var rows = Command(
            $"SELECT {SqlCommands.EntryColumns} FROM entry_rows WHERE id IN (SELECT value FROM json_each(@ids)) ORDER BY ts {Direction(_order)}, id {Direction(_order)}");
        rows.Add("@ids", "[" + string.Join(",", page.Select(row => row.Id)) + "]");
        var entries = ReadAll(rows);
        if (entries.Count != page.Count)
        {
            throw new InvalidOperationException("rows ranked for a page were not found again inside the same read transaction");
        }

        return new EntryPage(entries, more ? new PageCursor(page[^1].Ts, page[^1].Id).Encode() : null);
    }

    private static string Direction(PageOrder order) => order == PageOrder.OldestFirst ? "ASC" : "DESC";

    private static List<EntryRecord> ReadAll(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var entries = new List<EntryRecord>();
        while (reader.Read())
        {
            entries.Add(SqlCommands.ReadEntry(reader));
        }

        return entries;
    }

    /// <summary>Runs the row statement once per run of adjacent candidate blocks, or per listed ids.</summary>
    private void ForEachCandidate(Action<SqliteCommand> run)
    {
        var ids = new List<long>();
        (long First, long Last)? range = null;
        using (var blocks = Blocks("b.first_id"))
        using (var reader = blocks.ExecuteReader())
        {
            while (reader.Read())
            {
                var block = ReadBlock(reader);
                if (block.NodeRows is not null)
                {
                    AddNodeRows(block, ids);
                    if (ids.Count >= IdsPerFetch)
                    {
                        run(ByIds(ids));
                        ids.Clear();
                    }
                }
                else if (range is { } open && open.Last + 1 == block.FirstId)
                {
                    range = (open.First, block.LastId);
                }
                else
                {
                    if (range is { } done)
                    {
                        run(ByRange(done.First, done.Last));
                    }

                    range = (block.FirstId, block.LastId);
                }
            }
        }

        if (range is { } last)
        {
            run(ByRange(last.First, last.Last));
        }

        if (ids.Count > 0)
        {
            run(ByIds(ids));
        }
    }

    private readonly record struct Block(long FirstId, long LastId, long MinTs, long MaxTs, byte[]? NodeRows);

    private static Block ReadBlock(DbDataReader reader) => new(
        reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.IsDBNull(4) ? null : (byte[])reader.GetValue(4));

    /// <summary>The ids of the node's rows in the block at or above the minimum level (ids past the block's end were deleted and reused).</summary>
    private void AddNodeRows(Block block, List<long> ids)
    {
        var rows = block.NodeRows!;
        var minLevel = _filter.MinLevel ?? 0;
        for (var at = 0; at + SqliteBlockSummaries.BytesPerRow <= rows.Length; at += SqliteBlockSummaries.BytesPerRow)
        {
            var id = block.FirstId + BinaryPrimitives.ReadUInt16LittleEndian(rows.AsSpan(at));
            if (rows[at + 2] >= minLevel && id <= block.LastId)
            {
                ids.Add(id);
            }
        }
    }

    /// <summary>The candidate blocks in <paramref name="orderBy"/> order, with the named node's row list when a node is named.</summary>
    private SqliteCommand Blocks(string orderBy)
    {
        var command = Command("");
        var node = _filter.SourceNode is not null;
        var sql = new StringBuilder(node
            ? $"SELECT b.first_id, b.last_id, b.min_ts, b.max_ts, p.rows FROM entry_blocks b CROSS JOIN entry_block_nodes p ON p.block = b.first_id AND p.node_id = {SqlCommands.NameIdOf("@block_node")} WHERE 1 = 1"
            : "SELECT b.first_id, b.last_id, b.min_ts, b.max_ts, NULL FROM entry_blocks b WHERE 1 = 1");
        if (node)
        {
            command.Add("@block_node", _filter.SourceNode);
        }

        if (_filter.FromMicros is { } from)
        {
            // A block meeting the window has max_ts >= from and min_ts >= max_ts - widest: the second bound lets the
            // oldest-first walk along (min_ts) start near the window instead of at the oldest block.
            sql.Append(" AND b.max_ts >= @block_from AND b.min_ts >= @block_from - (SELECT widest FROM entry_block_span)");
            command.Add("@block_from", from);
        }

        if (_filter.ToMicros is { } to)
        {
            // Likewise max_ts < to + widest bounds the newest-first walk along (max_ts).
            sql.Append(" AND b.min_ts < @block_to AND b.max_ts < @block_to + (SELECT widest FROM entry_block_span)");
            command.Add("@block_to", to);
        }

        if (_filter.MinLevel is { } level)
        {
            sql.Append(node ? " AND p.max_level >= @block_level" : " AND b.max_level >= @block_level");
            command.Add("@block_level", (int)level);
        }

        if (_cursor is { } cursor)
        {
            sql.Append(_order == PageOrder.OldestFirst ? " AND b.max_ts >= @block_cursor" : " AND b.min_ts <= @block_cursor");
            command.Add("@block_cursor", cursor.TimestampMicros);
        }

        command.CommandText = sql.Append(" ORDER BY ").Append(orderBy).ToString();
        return command;
    }

    private SqliteCommand ByRange(long first, long last)
    {
        _byRange ??= RowCommand("id >= @first_id AND id <= @last_id", command =>
        {
            command.Add("@first_id", 0L);
            command.Add("@last_id", 0L);
        });
        _byRange.Set("@first_id", first);
        _byRange.Set("@last_id", last);
        return _byRange;
    }

    private SqliteCommand ByIds(List<long> ids)
    {
        _byIds ??= RowCommand("id IN (SELECT value FROM json_each(@ids))", command => command.Add("@ids", ""));
        _byIds.Set("@ids", "[" + string.Join(",", ids) + "]");
        return _byIds;
    }

    /// <summary>The row statement: the filter's own WHERE clause (with the cursor) and the candidate term.</summary>
    private SqliteCommand RowCommand(string candidates, Action<SqliteCommand> addCandidateParameters)
    {
        var command = Command("");
        var where = EntryFilterSql.Where(_filter, command, _order, _cursor);
        command.CommandText = _select + (where.Length == 0 ? " WHERE " : where + " AND ") + candidates + _tail;
        addCandidateParameters(command);
        return command;
    }

    private SqliteCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        return command;
    }
}
