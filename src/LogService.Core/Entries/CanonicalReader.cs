using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace LogService.Core.Entries;

/// <summary>
/// Reads what <see cref="CanonicalWriter"/> wrote and rejects every other byte string: overlong varints,
/// invalid UTF-8, malformed numbers, duplicate names and trailing bytes all fail, so each accepted input
/// has exactly one encoding.
/// </summary>
internal ref partial struct CanonicalReader(ReadOnlySpan<byte> input)
{
    private const int MaxValueDepth = 64;
    private readonly ReadOnlySpan<byte> _input = input;
    private int _position;

    public readonly bool AtEnd => _position == _input.Length;

    public readonly ReadOnlySpan<byte> Remaining => _input[_position..];

    public byte ReadByte() => _position < _input.Length ? _input[_position++] : throw Malformed("input ends early");

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public ulong ReadVarUInt()
    {
        // Most lengths and counts fit one byte, which is always minimal.
        if (_position < _input.Length && _input[_position] < 0x80)
        {
            return _input[_position++];
        }

        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = ReadByte();
            if (shift == 63 && b > 1)
            {
                throw Malformed("varint overflows 64 bits");
            }

            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                if (b == 0 && shift > 0)
                {
                    throw Malformed("varint is not minimally encoded");
                }

                return value;
            }
        }

        throw Malformed("varint is too long");
    }

    /// <summary>Reads a count of items that each take at least one byte, so a hostile count cannot allocate more than the input.</summary>
    public int ReadCount()
    {
        var count = ReadVarUInt();
        if (count > (ulong)(_input.Length - _position))
        {
            throw Malformed("count exceeds the remaining bytes");
        }

        return (int)count;
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadUtf8());

    /// <summary>Reads a string's bytes, checked to be valid UTF-8, without decoding them.</summary>
    public ReadOnlySpan<byte> ReadUtf8()
    {
        var bytes = Take(ReadCount());
        return Utf8.IsValid(bytes) ? bytes : throw Malformed("string is not valid UTF-8");
    }

    public byte[] ReadBytes() => Take(ReadCount()).ToArray();

    /// <summary>
    /// Reads a byte string as a slice of <paramref name="source"/>, the memory this reader reads, instead of a copy:
    /// a decided batch's drafts stay where they arrived.
    /// </summary>
    public ReadOnlyMemory<byte> ReadBytes(ReadOnlyMemory<byte> source)
    {
        if (source.Length != _input.Length)
        {
            throw new ArgumentException("not the memory this reader reads", nameof(source));
        }

        var length = ReadCount();
        var start = _position;
        Take(length);
        return source.Slice(start, length);
    }

    public string ReadHex(int byteCount) => Convert.ToHexStringLower(ReadId(byteCount));

    /// <summary>Reads a trace or span id's bytes, checked not to be all zero.</summary>
    public ReadOnlySpan<byte> ReadId(int byteCount)
    {
        var bytes = Take(byteCount);
        return bytes.ContainsAnyExcept((byte)0) ? bytes : throw Malformed("an all-zero trace or span id is encoded as absent");
    }

    public LogValue ReadValue(int depth = 0)
    {
        if (depth > MaxValueDepth)
        {
            throw Malformed("values are nested too deeply");
        }

        var kind = (LogValueKind)ReadByte();
        switch (kind)
        {
            case LogValueKind.Null: return LogValue.Null;
            case LogValueKind.False: return LogValue.False;
            case LogValueKind.True: return LogValue.True;
            case LogValueKind.Number:
                var number = ReadString();
                return JsonNumberText.IsValid(number) ? LogValue.TrustedNumber(number) : throw Malformed($"'{number}' is not a JSON number");
            case LogValueKind.String: return LogValue.String(ReadString());
            case LogValueKind.Array:
                var items = new LogValue[ReadCount()];
                for (var i = 0; i < items.Length; i++)
                {
                    items[i] = ReadValue(depth + 1);
                }

                return LogValue.TrustedArray(items);
            case LogValueKind.Object:
                return LogValue.TrustedObject(ReadMembers(depth + 1));
            default:
                throw Malformed($"unknown value tag {(byte)kind}");
        }
    }

    public LogProperty[] ReadMembers(int depth = 0)
    {
        var members = new LogProperty[ReadCount()];
        for (var i = 0; i < members.Length; i++)
        {
            members[i] = new LogProperty(ReadString(), ReadValue(depth));
        }

        if (LogValue.FindDuplicateName(members) is { } duplicate)
        {
            throw Malformed($"duplicate property name '{duplicate}'");
        }

        return members;
    }

    public static EntryEncodingException Malformed(string reason) => new($"Malformed entry encoding: {reason}.");

    private ReadOnlySpan<byte> Take(int length)
    {
        if (length > _input.Length - _position)
        {
            throw Malformed("input ends early");
        }

        var slice = _input.Slice(_position, length);
        _position += length;
        return slice;
    }
}
