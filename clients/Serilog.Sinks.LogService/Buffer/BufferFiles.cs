using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;

namespace Serilog.Sinks.LogService.Buffer;

/// <summary>
/// The buffer directory's files other than the records: segment naming, the source id, and the position file
/// (read position and the ends of the batches in flight), replaced atomically by write-then-rename so a kill leaves
/// either the old or the new position, never a mix.
/// </summary>
internal static class BufferFiles
{
    private const string SegmentSuffix = ".seg";
    private const string PositionName = "position";
    private const string SourceIdName = "source-id";
    private const string LockName = "lock";
    private const uint PositionMagic = 0x4C53_4232; // "LSB2": read position, then any number of in-flight ends
    private const uint SingleFlightMagic = 0x4C53_4250; // "LSBP": read position and at most one in-flight end

    /// <summary>
    /// Takes the directory for this buffer alone: an exclusive lock on its lock file, released when the handle is
    /// disposed or the process dies. Two sinks on one directory would ship each other's events and delete each
    /// other's segments, so the second is refused.
    /// </summary>
    public static FileStream LockDirectory(string directory)
    {
        try
        {
            return new FileStream(Path.Combine(directory, LockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new IOException($"The LogService sink buffer directory {directory} is in use by another sink; give each process and each sink a BufferDirectory of its own.", ex);
        }
    }

    /// <summary>The file of segment <paramref name="segment"/>.</summary>
    public static string SegmentPath(string directory, long segment) =>
        Path.Combine(directory, segment.ToString("D19", CultureInfo.InvariantCulture) + SegmentSuffix);

    /// <summary>The segments present, oldest first, with their lengths.</summary>
    public static SortedDictionary<long, long> ListSegments(string directory)
    {
        var segments = new SortedDictionary<long, long>();
        foreach (var path in Directory.EnumerateFiles(directory, "*" + SegmentSuffix))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var segment))
            {
                segments[segment] = new FileInfo(path).Length;
            }
        }

        return segments;
    }

    /// <summary>The buffer's source id, created once (random, 32 hex digits) and kept with the buffer.</summary>
    public static string LoadOrCreateSourceId(string directory)
    {
        var path = Path.Combine(directory, SourceIdName);
        if (File.Exists(path))
        {
            var text = File.ReadAllText(path).Trim();
            if (text.Length == 32 && text.All(char.IsAsciiHexDigitLower))
            {
                return text;
            }
        }

        var id = Guid.NewGuid().ToString("N");
        ReplaceFile(path, System.Text.Encoding.ASCII.GetBytes(id));
        return id;
    }

    /// <summary>
    /// The persisted read position and the ends of the batches in flight (oldest first), or null when there is none
    /// or it is damaged. A file of the earlier one-batch layout reads as a list of at most one end.
    /// </summary>
    public static (BufferPosition Read, List<BufferPosition> InFlightEnds)? LoadPosition(string directory)
    {
        var path = Path.Combine(directory, PositionName);
        if (!File.Exists(path))
        {
            return null;
        }

        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8 || BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4)) != Checksum(bytes.AsSpan(0, bytes.Length - 4)))
        {
            return null;
        }

        var span = bytes.AsSpan(4, bytes.Length - 8);
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        if (magic == SingleFlightMagic && span.Length == 32)
        {
            var flightSegment = BinaryPrimitives.ReadInt64LittleEndian(span[16..]);
            return (ReadPosition(span), flightSegment < 0 ? [] : [ReadPosition(span[16..])]);
        }

        var count = magic == PositionMagic && span.Length >= 20 ? BinaryPrimitives.ReadInt32LittleEndian(span[16..]) : -1;
        if (count < 0 || span.Length != 20 + 16L * count)
        {
            return null;
        }

        var ends = new List<BufferPosition>(count);
        for (var i = 0; i < count; i++)
        {
            ends.Add(ReadPosition(span[(20 + 16 * i)..]));
        }

        return (ReadPosition(span), ends);
    }

    /// <summary>Persists the read position and the ends of the batches in flight, oldest first.</summary>
    public static void SavePosition(string directory, BufferPosition read, IReadOnlyList<BufferPosition> inFlightEnds)
    {
        var bytes = new byte[4 + 16 + 4 + 16 * inFlightEnds.Count + 4];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, PositionMagic);
        WritePosition(span[4..], read);
        BinaryPrimitives.WriteInt32LittleEndian(span[20..], inFlightEnds.Count);
        for (var i = 0; i < inFlightEnds.Count; i++)
        {
            WritePosition(span[(24 + 16 * i)..], inFlightEnds[i]);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(span[^4..], Checksum(span[..^4]));
        ReplaceFile(Path.Combine(directory, PositionName), bytes);
    }

    private static BufferPosition ReadPosition(ReadOnlySpan<byte> span) =>
        new(BinaryPrimitives.ReadInt64LittleEndian(span), BinaryPrimitives.ReadInt64LittleEndian(span[8..]));

    private static void WritePosition(Span<byte> span, BufferPosition position)
    {
        BinaryPrimitives.WriteInt64LittleEndian(span, position.Segment);
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], position.Offset);
    }

    private static void ReplaceFile(string path, byte[] bytes)
    {
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }

    private static uint Checksum(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }
}
