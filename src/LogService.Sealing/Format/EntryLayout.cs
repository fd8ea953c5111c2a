using System.Buffers.Binary;
using System.Text;

namespace LogService.Sealing.Format;

/// <summary>
/// Where each part of one encoded entry lies. Parsing validates the whole encoding but copies nothing,
/// so verification can walk stored bytes without allocating.
/// </summary>
internal readonly struct EntryLayout
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public EntryKind Kind { get; private init; }
    public long Sequence { get; private init; }
    public long Timestamp { get; private init; }
    public byte Level { get; private init; }
    public ulong PermissionMask { get; private init; }
    public int HeaderLength { get; private init; }
    public int StreamIdOffset { get; private init; }
    public int StreamIdLength { get; private init; }
    public int CiphertextOffset { get; private init; }
    public int CiphertextLength { get; private init; }

    public int TagOffset => CiphertextOffset + CiphertextLength;
    public int LinkOffset => TagOffset + EntryFormat.TagSize;
    public int MacOffset => LinkOffset + EntryFormat.HashSize;
    public int TotalLength => MacOffset + EntryFormat.HashSize;

    public ReadOnlySpan<byte> Header(ReadOnlySpan<byte> entry) => entry[..HeaderLength];
    public ReadOnlySpan<byte> StreamId(ReadOnlySpan<byte> entry) => entry.Slice(StreamIdOffset, StreamIdLength);
    public ReadOnlySpan<byte> Ciphertext(ReadOnlySpan<byte> entry) => entry.Slice(CiphertextOffset, CiphertextLength);

    /// <summary>Ciphertext followed by its tag: C_j as it enters the hash link.</summary>
    public ReadOnlySpan<byte> SealedBody(ReadOnlySpan<byte> entry) => entry.Slice(CiphertextOffset, CiphertextLength + EntryFormat.TagSize);
    public ReadOnlySpan<byte> Tag(ReadOnlySpan<byte> entry) => entry.Slice(TagOffset, EntryFormat.TagSize);
    public ReadOnlySpan<byte> Link(ReadOnlySpan<byte> entry) => entry.Slice(LinkOffset, EntryFormat.HashSize);
    public ReadOnlySpan<byte> Mac(ReadOnlySpan<byte> entry) => entry.Slice(MacOffset, EntryFormat.HashSize);

    /// <summary>Parses and validates one entry; the error names the first rule the bytes break.</summary>
    public static bool TryParse(ReadOnlySpan<byte> entry, out EntryLayout layout, out string? error)
    {
        layout = default;
        if (entry.Length < EntryFormat.FixedHeaderSize)
        {
            error = $"entry is {entry.Length} bytes, shorter than the {EntryFormat.FixedHeaderSize}-byte fixed header";
            return false;
        }

        if (entry[0] != EntryFormat.Version)
        {
            error = $"unknown format version {entry[0]}";
            return false;
        }

        var kind = entry[1];
        if (!EntryFormat.IsKnownKind(kind))
        {
            error = $"unknown entry kind {kind}";
            return false;
        }

        var sequence = BinaryPrimitives.ReadInt64BigEndian(entry[2..]);
        if (sequence < 0)
        {
            error = "negative sequence number";
            return false;
        }

        var level = entry[18];
        if (level > EntryFormat.MaxLevel)
        {
            error = $"level {level} is outside 0..{EntryFormat.MaxLevel}";
            return false;
        }

        var offset = EntryFormat.FixedHeaderSize;
        var streamIdOffset = 0;
        var streamIdLength = 0;
        for (var field = 0; field < EntryFormat.StringFieldCount; field++)
        {
            if (entry.Length - offset < 2)
            {
                error = $"header string {field} is cut off";
                return false;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(entry[offset..]);
            offset += 2;
            if (length > EntryFormat.MaxStringBytes || entry.Length - offset < length)
            {
                error = $"header string {field} has an impossible length {length}";
                return false;
            }

            if (!IsStrictUtf8(entry.Slice(offset, length)))
            {
                error = $"header string {field} is not valid UTF-8";
                return false;
            }

            if (field == 0)
            {
                streamIdOffset = offset;
                streamIdLength = length;
            }

            offset += length;
        }

        var headerLength = offset;
        if (entry.Length - offset < 4)
        {
            error = "ciphertext length is cut off";
            return false;
        }

        var ciphertextLength = BinaryPrimitives.ReadUInt32BigEndian(entry[offset..]);
        offset += 4;
        if (ciphertextLength > EntryFormat.MaxBodyBytes)
        {
            error = $"ciphertext length {ciphertextLength} exceeds the {EntryFormat.MaxBodyBytes}-byte limit";
            return false;
        }

        var expectedTotal = (long)offset + ciphertextLength + EntryFormat.TagSize + (2 * EntryFormat.HashSize);
        if (entry.Length != expectedTotal)
        {
            error = $"entry is {entry.Length} bytes but its lengths say {expectedTotal}";
            return false;
        }

        layout = new EntryLayout
        {
            Kind = (EntryKind)kind,
            Sequence = sequence,
            Timestamp = BinaryPrimitives.ReadInt64BigEndian(entry[10..]),
            Level = level,
            PermissionMask = BinaryPrimitives.ReadUInt64BigEndian(entry[19..]),
            HeaderLength = headerLength,
            StreamIdOffset = streamIdOffset,
            StreamIdLength = streamIdLength,
            CiphertextOffset = offset,
            CiphertextLength = (int)ciphertextLength,
        };
        error = null;
        return true;
    }

    /// <summary>Reads header string <paramref name="field"/> (0 = stream id .. 5 = event type).</summary>
    public static string ReadString(ReadOnlySpan<byte> entry, int field)
    {
        var offset = EntryFormat.FixedHeaderSize;
        for (var i = 0; ; i++)
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(entry[offset..]);
            offset += 2;
            if (i == field)
            {
                return StrictUtf8.GetString(entry.Slice(offset, length));
            }

            offset += length;
        }
    }

    private static bool IsStrictUtf8(ReadOnlySpan<byte> bytes) => System.Text.Unicode.Utf8.IsValid(bytes);
}
