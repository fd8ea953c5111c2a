namespace Serilog.Sinks.LogService.Buffer;

/// <summary>
/// A growable byte buffer of <c>\n</c>-separated lines. The shipper keeps one per batch it may have in flight and
/// reuses it for the next batch once the previous one is done with, so steady shipping allocates no new body arrays.
/// </summary>
internal sealed class LineBuffer
{
    private byte[] _bytes = new byte[64 * 1024];

    /// <summary>The underlying array; valid up to <see cref="Length"/> until the next <see cref="Reset"/>.</summary>
    public byte[] Bytes => _bytes;

    /// <summary>Bytes written.</summary>
    public int Length { get; private set; }

    /// <summary>Starts a new body.</summary>
    public void Reset() => Length = 0;

    /// <summary>Appends <paramref name="line"/> (after a <c>\n</c> if it is not the first) and returns where it is.</summary>
    public Range AppendLine(ReadOnlySpan<byte> line)
    {
        var separator = Length > 0 ? 1 : 0;
        var needed = Length + separator + line.Length;
        if (needed > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(needed, _bytes.Length * 2));
        }

        if (separator == 1)
        {
            _bytes[Length++] = (byte)'\n';
        }

        var start = Length;
        line.CopyTo(_bytes.AsSpan(start));
        Length += line.Length;
        return new Range(start, Length);
    }
}
