using System.Buffers.Binary;

namespace LogService.Replication.Tcp;

/// <summary>
/// Layout of a data frame on an authenticated link:
/// <c>length u32 | version u8 | kind u8 | seq u64 | records | HMAC-SHA256 (32)</c>, little-endian, where length counts
/// everything after itself and the MAC covers version through records. The records are the messages queued for the
/// link: <c>length i32 | node i32 | message</c> each. One MAC per frame, not per message, is what lets a busy link
/// authenticate hundreds of small messages with a single HMAC.
/// </summary>
/// <remarks>
/// <c>node</c> names the client a message is about on client connections (sender upstream, addressee downstream)
/// and the sender on replica links, so one connection can carry many clients of one process.
/// </remarks>
internal static class Frame
{
    /// <summary>The wire version; a frame or handshake with another version is rejected.</summary>
    public const byte Version = 2;

    /// <summary>The kind byte of a data frame; handshake messages use 1..3.</summary>
    public const byte KindData = 0x10;

    public const int PrefixBytes = 4;
    public const int VersionAt = 4;
    public const int KindAt = 5;
    public const int SeqAt = 6;
    public const int PayloadAt = 14;
    public const int MacBytes = 32;

    /// <summary>Bytes a frame adds to its records.</summary>
    public const int Overhead = PayloadAt + MacBytes;

    /// <summary>Bytes a record adds to its message.</summary>
    public const int RecordOverhead = 8;

    /// <summary>Writes one record (a message and the node it is about).</summary>
    public static void WriteRecord(Span<byte> destination, int node, ReadOnlySpan<byte> message)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, message.Length);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], node);
        message.CopyTo(destination[RecordOverhead..]);
    }

    /// <summary>
    /// Splits the first record off <paramref name="records"/>; false when what is left is not a whole record
    /// (only a faulty peer sends that, inside an authenticated frame).
    /// </summary>
    public static bool TryReadRecord(ref ReadOnlySpan<byte> records, out int node, out ReadOnlySpan<byte> message)
    {
        node = 0;
        message = default;
        if (records.Length < RecordOverhead)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(records);
        if (length < 0 || length > records.Length - RecordOverhead)
        {
            return false;
        }

        node = BinaryPrimitives.ReadInt32LittleEndian(records[4..]);
        message = records.Slice(RecordOverhead, length);
        records = records[(RecordOverhead + length)..];
        return true;
    }

    /// <summary>
    /// How many bytes of whole records, from the start of <paramref name="records"/>, go into the next frame: as many
    /// as fit in <paramref name="limit"/>, and always at least the first record.
    /// </summary>
    public static int NextFrameRecords(ReadOnlySpan<byte> records, int limit)
    {
        var taken = 0;
        while (taken < records.Length)
        {
            var size = RecordOverhead + BinaryPrimitives.ReadInt32LittleEndian(records[taken..]);
            if (taken > 0 && taken + size > limit)
            {
                break;
            }

            taken += size;
        }

        return taken;
    }

    /// <summary>Writes a frame's header around records already placed at <see cref="PayloadAt"/>; the MAC comes later.</summary>
    public static void WriteHeader(Span<byte> frame, int recordBytes, ulong sequence)
    {
        BinaryPrimitives.WriteInt32LittleEndian(frame, Overhead - PrefixBytes + recordBytes);
        frame[VersionAt] = Version;
        frame[KindAt] = KindData;
        BinaryPrimitives.WriteUInt64LittleEndian(frame[SeqAt..], sequence);
    }
}
