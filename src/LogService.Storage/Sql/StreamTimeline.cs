using System.Data.Common;
using System.Globalization;

namespace LogService.Storage.Sql;

/// <summary>
/// Finds where a point in consensus time falls in one stream's sequence, through the (stream, sequence) index alone.
/// Consensus timestamps never decrease along a stream's sequence: the replication engine hands the state machine
/// strictly increasing batch timestamps, every entry of a batch carries its batch's, and the store refuses a write
/// that would break the order (<see cref="BatchValidator"/>, snapshot imports). So the entries at or after a time
/// are a suffix of the stream, found by binary search with O(log n) index lookups; no (stream, time) index is needed.
/// </summary>
internal sealed class StreamTimeline : IDisposable
{
    private readonly DbCommand _timestampFrom;
    private readonly long _first;
    private readonly long _last;

    private StreamTimeline(DbCommand timestampFrom, long first, long last)
    {
        _timestampFrom = timestampFrom;
        _first = first;
        _last = last;
    }

    /// <summary>The stream's entries from <see cref="From"/> to before <see cref="Before"/> by sequence.</summary>
    public readonly record struct Span(long From, long Before);

    /// <summary>Opens the stream's timeline, or returns null when the stream has no stored entries.</summary>
    public static StreamTimeline? Open(DbConnection connection, DbTransaction? transaction, string streamId)
    {
        long? Scalar(string sql)
        {
            using var command = SqlCommands.Create(connection, sql, transaction);
            command.Add("@stream", streamId);
            var result = command.ExecuteScalar();
            return result is null or DBNull ? null : Convert.ToInt64(result, CultureInfo.InvariantCulture);
        }

        if (Scalar($"SELECT seq FROM entries WHERE stream_id = {SqlCommands.StreamIdParameter} ORDER BY seq LIMIT 1") is not { } first)
        {
            return null;
        }

        var last = Scalar($"SELECT seq FROM entries WHERE stream_id = {SqlCommands.StreamIdParameter} ORDER BY seq DESC LIMIT 1")!.Value;
        var timestampFrom = SqlCommands.Create(connection,
            $"SELECT ts FROM entries WHERE stream_id = {SqlCommands.StreamIdParameter} AND seq >= @seq ORDER BY seq LIMIT 1", transaction);
        timestampFrom.Add("@stream", streamId);
        timestampFrom.Add("@seq", 0L);
        return new StreamTimeline(timestampFrom, first, last);
    }

    /// <summary>The lowest stored sequence.</summary>
    public long First => _first;

    /// <summary>The stream's entries with <paramref name="fromMicros"/> ≤ timestamp &lt; <paramref name="toMicros"/> (either open).</summary>
    public Span Window(long? fromMicros, long? toMicros) =>
        new(fromMicros is { } from ? FirstAtOrAfter(from) : _first, toMicros is { } to ? FirstAtOrAfter(to) : _last + 1);

    /// <summary>
    /// The lowest sequence from which every stored entry has a timestamp of at least <paramref name="micros"/>:
    /// one past the last stored sequence when none has.
    /// </summary>
    public long FirstAtOrAfter(long micros)
    {
        if (TimestampFrom(_first) is { } first && first >= micros)
        {
            return _first;
        }

        // Invariant: the entry at or after 'before' is earlier than the time; every entry from 'atOrAfter' on is not.
        var (before, atOrAfter) = (_first, _last + 1);
        while (atOrAfter - before > 1)
        {
            var middle = before + ((atOrAfter - before) / 2);
            if (TimestampFrom(middle) is { } timestamp && timestamp < micros)
            {
                before = middle;
            }
            else
            {
                atOrAfter = middle;
            }
        }

        return atOrAfter;
    }

    public void Dispose() => _timestampFrom.Dispose();

    /// <summary>The timestamp of the first stored entry at or after <paramref name="sequence"/>, or null past the end.</summary>
    private long? TimestampFrom(long sequence)
    {
        _timestampFrom.Set("@seq", sequence);
        var result = _timestampFrom.ExecuteScalar();
        return result is null or DBNull ? null : Convert.ToInt64(result, CultureInfo.InvariantCulture);
    }
}
