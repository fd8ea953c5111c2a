using System.Buffers.Binary;
using System.Numerics;

namespace LogService.Replication.Durability;

/// <summary>
/// Frames WAL and checkpoint records as [length and version u32][checksum u32][bytes] so a torn tail is detected and cut.
/// Version 2 (the top bit of the first word set) carries a CRC-32C; version 1 (top bit clear, as written before
/// versions existed) carries an FNV-1a 32 hash and is still read, so files written by earlier builds open unchanged.
/// </summary>
internal static class RecordFraming
{
    public const int HeaderSize = 8;

    /// <summary>Marks a version 2 header; lengths never reach it since they are non-negative 32-bit integers.</summary>
    private const uint Version2 = 0x8000_0000;

    /// <summary>CRC-32C (Castagnoli), eight bytes per step; the runtime uses the CPU's CRC instruction where there is one.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        while (data.Length >= sizeof(ulong))
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    /// <summary>The version 1 checksum, kept only to read records written before version 2.</summary>
    public static uint Fnv1a(ReadOnlySpan<byte> data)
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
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)record.Length | Version2);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Crc32C(record));
    }

    /// <summary>Parses framed records of either version until the first torn or corrupt one.</summary>
    public static List<byte[]> Parse(ReadOnlySpan<byte> data)
    {
        var records = new List<byte[]>();
        var pos = 0;
        while (data.Length - pos >= HeaderSize)
        {
            var word = BinaryPrimitives.ReadUInt32LittleEndian(data[pos..]);
            var sum = BinaryPrimitives.ReadUInt32LittleEndian(data[(pos + 4)..]);
            var version2 = (word & Version2) != 0;
            var length = (long)(word & ~Version2);
            if (length > data.Length - pos - HeaderSize)
            {
                break;
            }

            var body = data.Slice(pos + HeaderSize, (int)length);
            if ((version2 ? Crc32C(body) : Fnv1a(body)) != sum)
            {
                break;
            }

            records.Add(body.ToArray());
            pos += HeaderSize + (int)length;
        }

        return records;
    }
}
