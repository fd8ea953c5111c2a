using System.Buffers.Binary;

namespace LogService.Replication.Durability;

/// <summary>Frames WAL records as [length i32][FNV-1a 32 checksum][bytes] so a torn tail is detected and cut.</summary>
internal static class RecordFraming
{
    public const int HeaderSize = 8;

    public static uint Checksum(ReadOnlySpan<byte> data)
    {
        var h = 2166136261u;
        foreach (var b in data)
        {
            h = (h ^ b) * 16777619u;
        }

        return h;
    }

    public static void WriteHeader(Span<byte> header, ReadOnlySpan<byte> record)
    {
        BinaryPrimitives.WriteInt32LittleEndian(header, record.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Checksum(record));
    }

    /// <summary>Parses framed records until the first torn or corrupt one.</summary>
    public static List<byte[]> Parse(ReadOnlySpan<byte> data)
    {
        var records = new List<byte[]>();
        var pos = 0;
        while (data.Length - pos >= HeaderSize)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(data[pos..]);
            var sum = BinaryPrimitives.ReadUInt32LittleEndian(data[(pos + 4)..]);
            if (length < 0 || length > data.Length - pos - HeaderSize)
            {
                break;
            }

            var body = data.Slice(pos + HeaderSize, length);
            if (Checksum(body) != sum)
            {
                break;
            }

            records.Add(body.ToArray());
            pos += HeaderSize + length;
        }

        return records;
    }
}
