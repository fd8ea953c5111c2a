namespace LogService.Storage.Sql;

/// <summary>Rejects a malformed batch before anything is written, so a caller bug never reaches the database.</summary>
internal static class BatchValidator
{
    public static void Validate(DecidedBatchWrite batch, long lastAppliedInstance)
    {
        if (batch.Instance <= lastAppliedInstance)
        {
            throw new ArgumentException(
                $"Batch instance {batch.Instance} is not after the last applied instance {lastAppliedInstance}.", nameof(batch));
        }

        var lastSequenceByStream = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in batch.Entries)
        {
            ArgumentNullException.ThrowIfNull(entry, nameof(batch));
            if (lastSequenceByStream.TryGetValue(entry.StreamId, out var previous) && entry.Sequence <= previous)
            {
                throw new ArgumentException(
                    $"Entries of stream '{entry.StreamId}' are not in increasing sequence order ({previous} then {entry.Sequence}).", nameof(batch));
            }

            lastSequenceByStream[entry.StreamId] = entry.Sequence;
        }

        var headed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var head in batch.Heads)
        {
            ArgumentNullException.ThrowIfNull(head, nameof(batch));
            if (!headed.Add(head.StreamId))
            {
                throw new ArgumentException($"The batch carries two heads for stream '{head.StreamId}'.", nameof(batch));
            }

            if (lastSequenceByStream.TryGetValue(head.StreamId, out var last) && last != head.LastSequence)
            {
                throw new ArgumentException(
                    $"The head of stream '{head.StreamId}' says sequence {head.LastSequence} but the batch ends it at {last}.", nameof(batch));
            }
        }

        foreach (var stream in lastSequenceByStream.Keys)
        {
            if (!headed.Contains(stream))
            {
                throw new ArgumentException($"The batch appends to stream '{stream}' without its new head.", nameof(batch));
            }
        }
    }
}
