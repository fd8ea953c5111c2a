namespace Serilog.Sinks.LogService.Buffer;

/// <summary>
/// Consecutive records read from the buffer: their CLEF lines joined by <c>\n</c> (exactly a CLEF request body)
/// and where each line is, the sequence of the first, and the buffer positions around them.
/// </summary>
internal sealed class BufferBatch(byte[] body, int bodyLength, IReadOnlyList<Range> lines, long firstSequence, BufferPosition start, BufferPosition end)
{
    /// <summary>The CLEF lines joined by <c>\n</c>.</summary>
    public ReadOnlyMemory<byte> Body => body.AsMemory(0, bodyLength);

    /// <summary>Where each event's line is in <see cref="Body"/>.</summary>
    public IReadOnlyList<Range> Lines => lines;

    /// <summary>Number of events.</summary>
    public int Count => lines.Count;

    /// <summary>Per-source sequence of the first event; the others follow without gaps.</summary>
    public long FirstSequence => firstSequence;

    /// <summary>Per-source sequence of the last event.</summary>
    public long LastSequence => firstSequence + lines.Count - 1;

    /// <summary>Where the first record starts.</summary>
    public BufferPosition Start => start;

    /// <summary>Just past the last record: the read position once the batch is done with.</summary>
    public BufferPosition End => end;

    /// <summary>The UTF-8 line of event <paramref name="index"/>.</summary>
    public ReadOnlyMemory<byte> Line(int index) => Body[lines[index]];
}
