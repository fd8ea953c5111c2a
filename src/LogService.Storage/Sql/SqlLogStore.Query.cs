using System.Globalization;

namespace LogService.Storage.Sql;

/// <summary>Queries over the clear header fields.</summary>
internal abstract partial class SqlLogStore
{
    public EntryPage Query(EntryQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1, nameof(query));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.PageSize, EntryQuery.MaxPageSize, nameof(query));
        var cursor = query.Cursor is null ? (PageCursor?)null : PageCursor.Decode(query.Cursor);
        var direction = query.Order == PageOrder.OldestFirst ? "ASC" : "DESC";
        return Read(connection =>
        {
            using var command = connection.CreateCommand();
            var where = EntryFilterSql.Where(query.Filter, command, query.Order, cursor);
            // One row more than the page tells whether another page follows, without a second query.
            command.CommandText = $"SELECT {SqlCommands.EntryColumns} FROM entry_rows{where} ORDER BY ts {direction}, id {direction} LIMIT @page_limit";
            command.Add("@page_limit", query.PageSize + 1);
            using var reader = command.ExecuteReader();
            var entries = new List<EntryRecord>(Math.Min(query.PageSize, 1024));
            PageCursor last = default;
            var more = false;
            while (reader.Read())
            {
                if (entries.Count == query.PageSize)
                {
                    more = true;
                    break;
                }

                entries.Add(SqlCommands.ReadEntry(reader));
                last = new PageCursor(reader.GetInt64(4), reader.GetInt64(0));
            }

            return new EntryPage(entries, more ? last.Encode() : null);
        });
    }

    public long Count(EntryFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return Read(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM entries" + EntryFilterSql.Where(filter, command);
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        });
    }

    public IReadOnlyList<HistogramBucket> Histogram(EntryFilter filter, long bucketMicros)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketMicros, 1);
        return Read(connection =>
        {
            using var command = connection.CreateCommand();
            var where = EntryFilterSql.Where(filter, command);
            // Integer division floors for the non-negative timestamps consensus assigns.
            command.CommandText =
                $"SELECT (ts / @bucket) * @bucket AS bucket_start, level, COUNT(*) FROM entries{where} GROUP BY bucket_start, level ORDER BY bucket_start, level";
            command.Add("@bucket", bucketMicros);
            return ReadAll(command, reader => new HistogramBucket(reader.GetInt64(0), (byte)reader.GetInt32(1), reader.GetInt64(2)));
        });
    }
}
