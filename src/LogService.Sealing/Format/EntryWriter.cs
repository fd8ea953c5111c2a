using System.Buffers.Binary;
using System.Text;

namespace LogService.Sealing.Format;

/// <summary>Writes the canonical header and trailer of an entry into caller-supplied spans.</summary>
internal static class EntryWriter
{
    /// <summary>Header length for the given fields, or throws when a field breaks a format limit.</summary>
    public static int HeaderLength(int streamIdBytes, in EntryMetadata metadata)
    {
        ValidateLevel(metadata.Level);
        return EntryFormat.FixedHeaderSize + (2 * EntryFormat.StringFieldCount)
            + streamIdBytes
            + FieldBytes(metadata.Tenant, nameof(metadata.Tenant))
            + FieldBytes(metadata.SourceCloud, nameof(metadata.SourceCloud))
            + FieldBytes(metadata.SourceNode, nameof(metadata.SourceNode))
            + FieldBytes(metadata.SourceUser, nameof(metadata.SourceUser))
            + FieldBytes(metadata.EventType, nameof(metadata.EventType));
    }

    /// <summary>Total encoded length of an entry with this header and body length.</summary>
    public static int EntryLength(int headerLength, int bodyLength) => headerLength + EntryFormat.TrailerOverhead + bodyLength;

    public static int WriteHeader(
        Span<byte> destination, EntryKind kind, long sequence, ReadOnlySpan<byte> streamId, in EntryMetadata metadata, ulong mask)
    {
        destination[0] = EntryFormat.Version;
        destination[1] = (byte)kind;
        BinaryPrimitives.WriteInt64BigEndian(destination[2..], sequence);
        BinaryPrimitives.WriteInt64BigEndian(destination[10..], metadata.ConsensusTimestamp);
        destination[18] = metadata.Level;
        BinaryPrimitives.WriteUInt64BigEndian(destination[19..], mask);
        var offset = EntryFormat.FixedHeaderSize;
        offset += WriteField(destination[offset..], streamId);
        offset += WriteField(destination[offset..], metadata.Tenant);
        offset += WriteField(destination[offset..], metadata.SourceCloud);
        offset += WriteField(destination[offset..], metadata.SourceNode);
        offset += WriteField(destination[offset..], metadata.SourceUser);
        offset += WriteField(destination[offset..], metadata.EventType);
        return offset;
    }

    private static void ValidateLevel(byte level)
    {
        if (level > EntryFormat.MaxLevel)
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, $"level must be 0..{EntryFormat.MaxLevel} (Serilog Verbose..Fatal)");
        }
    }

    public static int FieldBytes(string? value, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        var count = Encoding.UTF8.GetByteCount(value);
        if (count > EntryFormat.MaxStringBytes)
        {
            throw new ArgumentException($"{name} is {count} UTF-8 bytes; the limit is {EntryFormat.MaxStringBytes}", name);
        }

        return count;
    }

    private static int WriteField(Span<byte> destination, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)value.Length);
        value.CopyTo(destination[2..]);
        return 2 + value.Length;
    }

    private static int WriteField(Span<byte> destination, string value)
    {
        var written = Encoding.UTF8.GetBytes(value, destination[2..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)written);
        return 2 + written;
    }
}
