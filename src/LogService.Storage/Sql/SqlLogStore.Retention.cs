using System.Globalization;

namespace LogService.Storage.Sql;

/// <summary>Retention: removes whole old segments and leaves a tombstone with the chain state at the cut.</summary>
internal abstract partial class SqlLogStore
{
    public RetentionCut? PlanRetention(string streamId, long nowMicros)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        var head = GetHead(streamId);
        if (head is null || head.Retention == RetentionPolicy.KeepAll)
        {
            return null;
        }

        return Read(connection =>
        {
            long? Scalar(string sql, params (string Name, object Value)[] parameters)
            {
                using var command = SqlCommands.Create(connection, sql);
                command.Add("@stream", streamId);
                foreach (var (name, value) in parameters)
                {
                    command.Add(name, value);
                }

                var result = command.ExecuteScalar();
                return result is null or DBNull ? null : Convert.ToInt64(result, CultureInfo.InvariantCulture);
            }

            if (Scalar($"SELECT MIN(seq) FROM entries WHERE stream_id = {SqlCommands.StreamIdParameter}") is not { } firstStored)
            {
                return null;
            }

            // The last sequence each limit would remove; the cut honours whichever removes more.
            var lastRemovable = long.MinValue;
            var reason = "";
            if (head.Retention.MaxCount is { } maxCount && head.LastSequence - maxCount >= firstStored)
            {
                lastRemovable = head.LastSequence - maxCount;
                reason = string.Create(CultureInfo.InvariantCulture, $"max-count {maxCount}: keeps the newest {maxCount} entries");
            }

            if (head.Retention.MaxAgeMicros is { } maxAge
                && LastOlderThan(nowMicros - maxAge) is { } oldest
                && oldest > lastRemovable)
            {
                lastRemovable = oldest;
                reason = string.Create(CultureInfo.InvariantCulture, $"max-age {TimeSpan.FromMicroseconds(maxAge)}: removes entries older than {maxAge} µs at {nowMicros}");
            }

            // The last entry older than the limit, by binary search over the stream's sequence (StreamTimeline).
            long? LastOlderThan(long threshold)
            {
                using var timeline = StreamTimeline.Open(connection, null, streamId);
                return timeline?.FirstAtOrAfter(threshold) is { } first && first > timeline.First ? first - 1 : null;
            }

            if (lastRemovable == long.MinValue)
            {
                return null;
            }

            // Only whole segments go: the cut falls on the last segment boundary at or before the limit.
            var cutBefore = (lastRemovable + 1) / SegmentEntries * SegmentEntries;
            var lastSequence = cutBefore - 1;
            if (lastSequence < firstStored)
            {
                return null;
            }

            var lastTimestamp = Scalar(
                $"SELECT ts FROM entries WHERE stream_id = {SqlCommands.StreamIdParameter} AND seq <= @last_seq ORDER BY seq DESC LIMIT 1", ("@last_seq", lastSequence))!.Value;
            return new RetentionCut(streamId, firstStored, lastSequence, lastTimestamp, nowMicros, reason);
        });
    }

    public RetentionTombstone ApplyRetention(RetentionCut cut, byte[] yHeadAtCut, byte[] merkleRootAtCut)
    {
        ArgumentNullException.ThrowIfNull(cut);
        ArgumentNullException.ThrowIfNull(yHeadAtCut);
        ArgumentNullException.ThrowIfNull(merkleRootAtCut);
        ArgumentException.ThrowIfNullOrEmpty(cut.Policy, nameof(cut));
        RetentionTombstone? tombstone = null;
        Write(transaction =>
        {
            using var delete = SqlCommands.Create(Writer,
                $"DELETE FROM entries WHERE stream_id = {SqlCommands.StreamIdParameter} AND seq >= @first_seq AND seq <= @last_seq", transaction);
            delete.Add("@stream", cut.StreamId);
            delete.Add("@first_seq", cut.FirstSequence);
            delete.Add("@last_seq", cut.LastSequence);
            var removed = delete.ExecuteNonQuery();
            EntriesDeleted(transaction);
            if (removed == 0)
            {
                throw new ArgumentException(
                    $"Nothing of stream '{cut.StreamId}' is stored in {cut.FirstSequence}..{cut.LastSequence}; the cut is stale.", nameof(cut));
            }

            tombstone = new RetentionTombstone(cut.StreamId, cut.FirstSequence, cut.LastSequence, removed, yHeadAtCut, merkleRootAtCut,
                cut.LastRemovedTimestampMicros, cut.DecidedAtMicros, cut.Policy);
            InsertTombstone(transaction, tombstone);
        });
        return tombstone!;
    }

    public IReadOnlyList<RetentionTombstone> GetTombstones(string streamId)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        return Read(connection =>
        {
            using var command = SqlCommands.Create(connection,
                $"SELECT {SqlCommands.TombstoneColumns} FROM tombstones WHERE stream = @stream ORDER BY first_seq");
            command.Add("@stream", streamId);
            return ReadAll(command, SqlCommands.ReadTombstone);
        });
    }

    private void InsertTombstone(System.Data.Common.DbTransaction transaction, RetentionTombstone tombstone)
    {
        using var command = SqlCommands.Create(Writer,
            $"INSERT INTO tombstones ({SqlCommands.TombstoneColumns}) VALUES (@stream, @first_seq, @last_seq, @removed_count, @y_head, @merkle_root, @last_removed_ts, @applied_at, @policy) " +
            "ON CONFLICT (stream, first_seq) DO NOTHING",
            transaction);
        command.Add("@stream", tombstone.StreamId);
        command.Add("@first_seq", tombstone.FirstSequence);
        command.Add("@last_seq", tombstone.LastSequence);
        command.Add("@removed_count", tombstone.RemovedCount);
        command.Add("@y_head", tombstone.YHeadAtCut);
        command.Add("@merkle_root", tombstone.MerkleRootAtCut);
        command.Add("@last_removed_ts", tombstone.LastRemovedTimestampMicros);
        command.Add("@applied_at", tombstone.AppliedAtMicros);
        command.Add("@policy", tombstone.Policy);
        command.ExecuteNonQuery();
    }
}
