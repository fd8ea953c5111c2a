using LogService.Sealing.Format;

namespace LogService.Sealing.Verification;

/// <summary>
/// The checks that need no cryptography: format, stream, sequence order and lifecycle. They run in order
/// because each depends on what came before.
/// </summary>
internal sealed class StructureCheck(byte[] streamId, IReadOnlyList<ReadOnlyMemory<byte>> entries, long firstSequence)
{
    private bool _closed;

    public long ExpectedSequence { get; private set; } = firstSequence;

    /// <summary>Checks the entry at <paramref name="position"/>; null when it may be the next entry of the stream.</summary>
    public VerificationFinding? Check(int position, out EntryLayout layout)
    {
        var entry = entries[position].Span;
        if (!EntryLayout.TryParse(entry, out layout, out var error))
        {
            return new VerificationFinding(position, ExpectedSequence, VerificationFailure.MalformedEntry, $"malformed: {error}");
        }

        if (!layout.StreamId(entry).SequenceEqual(streamId))
        {
            return new VerificationFinding(position, layout.Sequence, VerificationFailure.WrongStream,
                $"belongs to stream '{EntryLayout.ReadString(entry, 0)}'");
        }

        var sequenceFinding = CheckSequence(position, layout.Sequence);
        if (sequenceFinding is not null)
        {
            return sequenceFinding;
        }

        if (_closed)
        {
            return new VerificationFinding(position, layout.Sequence, VerificationFailure.EntryAfterClose, "entry after the stream's close entry");
        }

        if ((layout.Sequence == 0) != (layout.Kind == EntryKind.Open))
        {
            return new VerificationFinding(position, layout.Sequence, VerificationFailure.MissingOpen,
                layout.Sequence == 0 ? "stream does not begin with its open entry" : "open entry in the middle of the stream");
        }

        _closed = layout.Kind == EntryKind.Close;
        ExpectedSequence++;
        return null;
    }

    public bool IsClosed => _closed;

    private VerificationFinding? CheckSequence(int position, long sequence)
    {
        var expected = ExpectedSequence;
        if (sequence == expected)
        {
            return null;
        }

        if (sequence == expected - 1)
        {
            return new VerificationFinding(position, sequence, VerificationFailure.Duplicate, $"duplicate of entry {sequence}");
        }

        if (sequence < expected)
        {
            return new VerificationFinding(position, sequence, VerificationFailure.Replay, $"replayed entry {sequence} found where entry {expected} belongs");
        }

        return AppearsLater(position, expected)
            ? new VerificationFinding(position, expected, VerificationFailure.Reorder, $"out of order: entry {sequence} stands where entry {expected} belongs")
            : new VerificationFinding(position, expected, VerificationFailure.Gap, $"missing (the next entry present is {sequence})");
    }

    private bool AppearsLater(int position, long sequence)
    {
        for (var later = position + 1; later < entries.Count; later++)
        {
            if (EntryLayout.TryParse(entries[later].Span, out var layout, out _) && layout.Sequence == sequence)
            {
                return true;
            }
        }

        return false;
    }
}
