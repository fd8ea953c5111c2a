using System.Data.Common;
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
        return Read(connection =>
        {
            if (!EntryFilterSql.AlongStream(query.Filter) && PageBySummaries(connection, query, cursor) is { } summarised)
            {
                return summarised;
            }

            using var transaction = BeginStreamRead(connection, query.Filter, cursor);
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var span = StreamSpan(connection, transaction, query.Filter, query.Order, cursor);
            var where = EntryFilterSql.Where(query.Filter, command, query.Order, cursor, span);
            // One row more than the page tells whether another page follows, without a second query.
            command.CommandText = $"SELECT {SqlCommands.EntryColumns} FROM entry_rows{where}{EntryFilterSql.OrderBy(query.Filter, query.Order)} LIMIT @page_limit";
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
            if (!EntryFilterSql.AlongStream(filter) && CountBySummaries(connection, filter) is { } summarised)
            {
                return summarised;
            }

            using var transaction = BeginStreamRead(connection, filter, null);
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var span = StreamSpan(connection, transaction, filter, null, null);
            command.CommandText = "SELECT COUNT(*) FROM entries" + EntryFilterSql.Where(filter, command, span: span);
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        });
    }

    public IReadOnlyList<HistogramBucket> Histogram(EntryFilter filter, long bucketMicros)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketMicros, 1);
        return Read(connection =>
        {
            if (!EntryFilterSql.AlongStream(filter) && HistogramBySummaries(connection, filter, bucketMicros) is { } summarised)
            {
                return summarised;
            }

            using var transaction = BeginStreamRead(connection, filter, null);
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var where = EntryFilterSql.Where(filter, command, span: StreamSpan(connection, transaction, filter, null, null));
            // Integer division floors for the non-negative timestamps consensus assigns.
            command.CommandText =
                $"SELECT (ts / @bucket) * @bucket AS bucket_start, level, COUNT(*) FROM entries{where} GROUP BY bucket_start, level ORDER BY bucket_start, level";
            command.Add("@bucket", bucketMicros);
            return ReadAll(command, reader => new HistogramBucket(reader.GetInt64(0), (byte)reader.GetInt32(1), reader.GetInt64(2)));
        });
    }

    /// <summary>
    /// A page of a query that is not along one stream, answered by an engine that summarises entries by block instead
    /// of indexing their time and node; null where the engine keeps those indexes and the SQL of <see cref="Query"/> serves.
    /// </summary>
    protected virtual EntryPage? PageBySummaries(DbConnection connection, EntryQuery query, PageCursor? cursor) => null;

    /// <summary>As <see cref="PageBySummaries"/>, for <see cref="Count"/>.</summary>
    protected virtual long? CountBySummaries(DbConnection connection, EntryFilter filter) => null;

    /// <summary>As <see cref="PageBySummaries"/>, for <see cref="Histogram"/>.</summary>
    protected virtual IReadOnlyList<HistogramBucket>? HistogramBySummaries(DbConnection connection, EntryFilter filter, long bucketMicros) => null;

    /// <summary>A read transaction when the filter's time window or cursor must first be found along the stream,
    /// so that span and query see one state; otherwise null (a single statement needs none).</summary>
    private DbTransaction? BeginStreamRead(DbConnection connection, EntryFilter filter, PageCursor? cursor) =>
        NeedsSpan(filter, cursor) ? BeginReadTransaction(connection) : null;

    private static bool NeedsSpan(EntryFilter filter, PageCursor? cursor) =>
        EntryFilterSql.AlongStream(filter) && (filter.FromMicros is not null || filter.ToMicros is not null || cursor is not null);

    /// <summary>
    /// For a filter along one stream, the sequences inside its time window and beyond the cursor's row (when that row
    /// is the stream's); null when the filter needs none.
    /// </summary>
    private static StreamTimeline.Span? StreamSpan(DbConnection connection, DbTransaction? transaction, EntryFilter filter, PageOrder? order, PageCursor? cursor)
    {
        if (!NeedsSpan(filter, cursor))
        {
            return null;
        }

        using var timeline = StreamTimeline.Open(connection, transaction, filter.StreamId!);
        if (timeline is null)
        {
            return new StreamTimeline.Span(0, 0);
        }

        var span = timeline.Window(filter.FromMicros, filter.ToMicros);
        if (cursor is { } position)
        {
            // The cursor's own (time, row) term stays in the query; this only lets the index start at the right place.
            using var row = SqlCommands.Create(connection, $"SELECT seq FROM entries WHERE id = @id AND stream_id = {SqlCommands.StreamIdParameter}", transaction);
            row.Add("@id", position.RowId);
            row.Add("@stream", filter.StreamId);
            if (row.ExecuteScalar() is { } found and not DBNull)
            {
                var sequence = Convert.ToInt64(found, CultureInfo.InvariantCulture);
                span = order == PageOrder.OldestFirst
                    ? span with { From = Math.Max(span.From, sequence + 1) }
                    : span with { Before = Math.Min(span.Before, sequence) };
            }
        }

        return span;
    }
}
