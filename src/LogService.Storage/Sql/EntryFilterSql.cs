using System.Data.Common;
using System.Globalization;
using System.Text;

namespace LogService.Storage.Sql;

/// <summary>Turns an <see cref="EntryFilter"/> and a page cursor into a WHERE clause with parameters.</summary>
internal static class EntryFilterSql
{
    public static string Where(EntryFilter filter, DbCommand command, PageOrder? order = null, PageCursor? cursor = null)
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
