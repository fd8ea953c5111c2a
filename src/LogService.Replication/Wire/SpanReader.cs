using System.Buffers.Binary;
using LogService.Replication.Crypto;

namespace LogService.Replication.Wire;

/// <summary>Bounds-checked little-endian reader; every read past the end throws <see cref="WireFormatException"/>.</summary>
internal ref struct SpanReader(ReadOnlySpan<byte> buffer)
{
    private readonly ReadOnlySpan<byte> buffer = buffer;
    private int position;

    public readonly int Position => position;

    public readonly int Remaining => buffer.Length - position;

    public byte ReadByte() => Take(1)[0];

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    /// <summary>Reads an int32 that must lie in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int ReadInt32(int min, int max)
    {
        var v = ReadInt32();
        return v < min || v > max ? throw new WireFormatException($"value {v} outside [{min}, {max}]") : v;
    }

    /// <summary>Reads an int64 that must lie in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public long ReadInt64(long min, long max)
    {
        var v = ReadInt64();
        return v < min || v > max ? throw new WireFormatException($"value {v} outside [{min}, {max}]") : v;
    }

    public ReadOnlySpan<byte> ReadSpan(int length) => Take(length);

    /// <summary>Reads an int32 length prefix (at most <paramref name="maxLength"/>) and that many bytes.</summary>
    public ReadOnlySpan<byte> ReadSized(int maxLength) => Take(ReadInt32(0, maxLength));

    public byte[] ReadSizedArray(int maxLength) => ReadSized(maxLength).ToArray();

    public byte[] ReadDigest() => Take(Digest.Size).ToArray();

    /// <summary>Reads a count that cannot exceed what the remaining bytes could hold at <paramref name="minItemSize"/> each.</summary>
    public int ReadCount(int minItemSize) => ReadInt32(0, Remaining / Math.Max(1, minItemSize));

    public readonly void ExpectEnd()
    {
        if (position != buffer.Length)
        {
            throw new WireFormatException($"{buffer.Length - position} trailing bytes");
        }
    }

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n < 0 || n > buffer.Length - position)
        {
            throw new WireFormatException($"truncated: need {n} bytes at offset {position} of {buffer.Length}");
        }

        var s = buffer.Slice(position, n);
        position += n;
        return s;
    }
}
