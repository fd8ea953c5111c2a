namespace Serilog.Sinks.LogService.Buffer;

/// <summary>A place in the buffer: a segment's number and a byte offset inside it.</summary>
/// <param name="Segment">The segment number (segments are numbered in the order they were created).</param>
/// <param name="Offset">Bytes from the start of the segment file.</param>
internal readonly record struct BufferPosition(long Segment, long Offset) : IComparable<BufferPosition>
{
    /// <inheritdoc />
    public int CompareTo(BufferPosition other) =>
        Segment != other.Segment ? Segment.CompareTo(other.Segment) : Offset.CompareTo(other.Offset);
}
