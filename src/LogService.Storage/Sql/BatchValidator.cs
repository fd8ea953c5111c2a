namespace LogService.Storage.Sql;

/// <summary>Rejects a malformed batch before anything is written, so a caller bug never reaches the database.</summary>
internal static class BatchValidator
{
    /// <param name="batch">The batch.</param>
    /// <param name="lastAppliedInstance">The last committed instance.</param>
    /// <param name="lastStored">The sequence and timestamp of a stream's last stored entry, or null when it has none.</param>
    /// <param name="isStored">Whether a stream already stores an entry with a sequence.</param>
    /// <returns>The sequence and timestamp of each appended stream's last entry in the batch.</returns>
    public static Dictionary<string, StoredPosition> Validate(DecidedBatchWrite batch, long lastAppliedInstance, Func<string, StoredPosition?> lastStored, Func<string, long, bool> isStored)
    {
        if (batch.Instance <= lastAppliedInstance)
        {
            throw new ArgumentException(
                $"Batch instance {batch.Instance} is not after the last applied instance {lastAppliedInstance}.", nameof(batch));
        }

        var lastByStream = new Dictionary<string, StoredPosition>(StringComparer.Ordinal);
        foreach (var entry in batch.Entries)
        {
            ArgumentNullException.ThrowIfNull(entry, nameof(batch));
            var previous = lastByStream.TryGetValue(entry.StreamId, out var inBatch) ? inBatch : lastStored(entry.StreamId);
            Follows(entry, previous, isStored, nameof(batch));
            lastByStream[entry.StreamId] = new StoredPosition(entry.Sequence, entry.TimestampMicros);
        }

        var headed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var head in batch.Heads)
        {
            ArgumentNullException.ThrowIfNull(head, nameof(batch));
            if (!headed.Add(head.StreamId))
            {
                throw new ArgumentException($"The batch carries two heads for stream '{head.StreamId}'.", nameof(batch));
            }

            if (lastByStream.TryGetValue(head.StreamId, out var last) && last.Sequence != head.LastSequence)
            {
                throw new ArgumentException(
                    $"The head of stream '{head.StreamId}' says sequence {head.LastSequence} but the batch ends it at {last.Sequence}.", nameof(batch));
            }
        }

        foreach (var stream in lastByStream.Keys)
        {
            if (!headed.Contains(stream))
            {
                throw new ArgumentException($"The batch appends to stream '{stream}' without its new head.", nameof(batch));
            }
        }

        return lastByStream;
    }

    /// <summary>
    /// Throws unless <paramref name="entry"/> may follow <paramref name="previous"/>, its stream's entry before it:
    /// a higher sequence, and a timestamp no earlier. Consensus guarantees both (batch timestamps strictly increase
    /// with the instance, and a stream's sequence with the batch); the store relies on the second to answer a stream's
    /// time window through its sequence (<see cref="StreamTimeline"/>), so a write breaking it is refused.
    /// </summary>
    /// <param name="entry">The entry to write.</param>
    /// <param name="previous">The entry before it: earlier in the same write, or the stream's last stored entry.</param>
    /// <param name="isStored">Whether a stream already stores an entry with a sequence.</param>
    /// <param name="parameterName">Named by the exception.</param>
    public static void Follows(EntryRecord entry, StoredPosition? previous, Func<string, long, bool> isStored, string parameterName)
    {
        if (previous is not { } last)
        {
            return;
        }

        if (entry.Sequence <= last.Sequence)
        {
            // A repeated sequence reaches the engine, whose unique key refuses it and faults the store, as any failed
            // write does; an unused sequence below the stream's last entry would break the order and is refused here.
            if (isStored(entry.StreamId, entry.Sequence))
            {
                return;
            }

            throw new ArgumentException(
                $"Entries of stream '{entry.StreamId}' are not in increasing sequence order ({last.Sequence} then {entry.Sequence}).", parameterName);
        }

        if (entry.TimestampMicros < last.TimestampMicros)
        {
            throw new ArgumentException(
                $"Entry {entry.StreamId}#{entry.Sequence} has consensus time {entry.TimestampMicros}, before its stream's entry #{last.Sequence} at {last.TimestampMicros}; consensus time never goes back along a stream.",
                parameterName);
        }
    }
}

/// <summary>The sequence and consensus time of a stream's entry.</summary>
internal readonly record struct StoredPosition(long Sequence, long TimestampMicros);
