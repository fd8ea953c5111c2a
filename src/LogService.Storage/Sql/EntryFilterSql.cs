using System.Data.Common;
using System.Globalization;
using System.Text;

namespace LogService.Storage.Sql;

/// <summary>Turns an <see cref="EntryFilter"/> and a page cursor into a WHERE clause with parameters.</summary>
internal static class EntryFilterSql
{
    /// <summary>
    /// Whether the filter is answered along one stream's (stream, sequence) index: it names a stream and no source
    /// node (which the (node, time, level) index serves). Its time window then becomes a sequence span
    /// (<see cref="StreamTimeline"/>) and its pages run in sequence order, which is the (time, row) order within a
    /// stream: timestamps never decrease along a stream's sequence and a stream's rows are stored in sequence order.
    /// </summary>
    public static bool AlongStream(EntryFilter filter) => filter.StreamId is not null && filter.SourceNode is null;

    /// <summary>The ORDER BY clause of a page in <paramref name="order"/>.</summary>
    public static string OrderBy(EntryFilter filter, PageOrder order)
    {
        var direction = order == PageOrder.OldestFirst ? "ASC" : "DESC";
        return AlongStream(filter) ? $" ORDER BY seq {direction}" : $" ORDER BY ts {direction}, id {direction}";
    }

    /// <param name="filter">The filter.</param>
    /// <param name="command">Receives the parameters.</param>
    /// <param name="order">The page order, when a cursor is given.</param>
    /// <param name="cursor">Where the previous page ended.</param>
    /// <param name="span">For a filter <see cref="AlongStream"/>: the stream's entries inside the time window (and before or
    /// after the cursor), which replaces the time terms.</param>
    public static string Where(EntryFilter filter, DbCommand command, PageOrder? order = null, PageCursor? cursor = null, StreamTimeline.Span? span = null)
    {
        var clauses = new List<string>();
        void Equal(string column, string? value)
        {
            if (value is not null)
            {
                // Entries store names as ids; an id column compares integers and uses the integer-keyed indexes.
                // With a source node named, '+' keeps the stream term off the index choice, so the (node, ts, level)
                // index serves the console's main page rather than (stream, ts) scanning every node's entries.
                var hint = column == "stream" && filter.SourceNode is not null ? "+" : "";
                clauses.Add($"{hint}{column}_id = {SqlCommands.NameIdOf("@" + column)}");
                command.Add("@" + column, value);
            }
        }

        Equal("tenant", filter.Tenant);
        Equal("stream", filter.StreamId);
        Equal("source_cloud", filter.SourceCloud);
        Equal("source_node", filter.SourceNode);
        Equal("source_user", filter.SourceUser);
        Equal("event_type", filter.EventType);
        if (span is { } sequences)
        {
            clauses.Add("seq >= @from_seq AND seq < @before_seq");
            command.Add("@from_seq", sequences.From);
            command.Add("@before_seq", sequences.Before);
        }
        else
        {
            if (filter.FromMicros is { } from)
            {
                clauses.Add("ts >= @from_ts");
                command.Add("@from_ts", from);
            }

            if (filter.ToMicros is { } to)
            {
                clauses.Add("ts < @to_ts");
                command.Add("@to_ts", to);
            }
        }

        if (filter.MinLevel is { } level)
        {
            clauses.Add("level >= @min_level");
            command.Add("@min_level", (int)level);
        }

        if (filter.ReaderMask is { } mask)
        {
            clauses.Add("(w_mask & @reader_mask) <> 0");
            command.Add("@reader_mask", unchecked((long)mask));
        }

        if (cursor is { } position)
        {
            // Row-value comparison lets both engines seek the (…, ts, id) index directly to the cursor.
            clauses.Add(order == PageOrder.OldestFirst ? "(ts, id) > (@cursor_ts, @cursor_id)" : "(ts, id) < (@cursor_ts, @cursor_id)");
            command.Add("@cursor_ts", position.TimestampMicros);
            command.Add("@cursor_id", position.RowId);
        }

        return clauses.Count == 0 ? "" : " WHERE " + string.Join(" AND ", clauses);
    }
}

/// <summary>A position in a query's order: the consensus time and storage row of the last entry returned.</summary>
internal readonly record struct PageCursor(long TimestampMicros, long RowId)
{
    public string Encode() => Convert.ToBase64String(Encoding.ASCII.GetBytes(
        string.Create(CultureInfo.InvariantCulture, $"{TimestampMicros}:{RowId}")));

    public static PageCursor Decode(string cursor)
    {
        try
        {
            var text = Encoding.ASCII.GetString(Convert.FromBase64String(cursor));
            var parts = text.Split(':');
            if (parts.Length == 2
                && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ts)
                && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var id))
            {
                return new PageCursor(ts, id);
            }
        }
        catch (FormatException)
        {
            // Reported below as an invalid cursor.
        }

        throw new ArgumentException("The cursor is not one this store issued.", nameof(cursor));
    }
}
